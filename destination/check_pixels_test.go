package destination

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// TestCheckPixels: which pixels check probes, and what it says of a pixel the API refuses.
func TestCheckPixels(t *testing.T) {
	runCheckCases(t, []checkCase{
		{
			name:   "good key and pixel",
			config: map[string]any{"default_pixel_id": "p1"},
			want: checkWant{
				status: protocol.StatusSucceeded,
				words:  []string{`"Acme Ads" (act_123)`, "p1"},
				calls:  map[string]int{routeAccount: 1, routeEvents + "?pid=p1": 1, routePixels: 0},
			},
		},
		{
			name: "every configured pixel is probed once",
			config: map[string]any{"default_pixel_id": "p1", "stream_pixels": []map[string]string{
				{"stream_name": "orders", "pixel_id": "p2"}, {"stream_name": "leads", "pixel_id": "p1"},
			}},
			want: checkWant{
				status: protocol.StatusSucceeded,
				words:  []string{"Acme Ads", "p1, p2"},
				calls:  map[string]int{routeEvents + "?pid=p1": 1, routeEvents + "?pid=p2": 1},
			},
		},
		{
			name:   "pixel refused",
			config: map[string]any{"default_pixel_id": "unknown"},
			api:    checkSetup{script: []fakeapi.Fault{onPixel("unknown", openAIError(pathEvents, 404, "Not found", nil))}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{`Pixel ID "unknown"`, "HTTP 404", "Ads Manager"},
				calls: map[string]int{routeEvents + "?pid=unknown": 1},
			},
		},
		{
			name:   "unknown pixel: the recorded 403 unknown pid is a pixel problem, not a key problem",
			config: map[string]any{"default_pixel_id": "pxl_gone"},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{`OpenAI does not know Pixel ID "pxl_gone"`, "HTTP 403: 403: unknown pid", "Ads Manager"},
				notWords: []string{"refused this API key", "Advertiser API key"},
				calls:    map[string]int{routeEvents + "?pid=pxl_gone": 1},
			},
		},
		{
			name:   "unknown pixel with a Conversions key the Ads API refuses",
			config: map[string]any{"default_pixel_id": "pxl_gone"},
			api:    checkSetup{key: fakeapi.KeyConversions},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{`OpenAI does not know Pixel ID "pxl_gone"`, "403: unknown pid"},
				notWords: []string{"refused this API key", "Advertiser API key"},
				calls:    map[string]int{routeEvents + "?pid=pxl_gone": 1},
			},
		},
		{
			name: "one of two pixels refused",
			config: map[string]any{"default_pixel_id": "p1", "stream_pixels": []map[string]string{
				{"stream_name": "orders", "pixel_id": "unknown"},
			}},
			api: checkSetup{script: []fakeapi.Fault{onPixel("unknown", openAIError(pathEvents, 400, "Invalid pixel id", nil))}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{`Pixel ID "unknown"`, "Invalid pixel id"},
				notWords: []string{`"p1"`},
				calls:    map[string]int{routeEvents: 2},
			},
		},
		{
			name: "no pixel configured: the first listed pixels are probed",
			api:  checkSetup{pixels: []string{"pa", "pb", "pc", "pd"}},
			extra: func(t *testing.T, api checkAPI) {
				assert.Equal(t, []string{"limit=100", "limit=100&after=cds_pb"}, api.queries(routePixels), "the listing follows pages")
			},
			want: checkWant{
				status:   protocol.StatusSucceeded,
				words:    []string{"Acme Ads", "pa, pb, pc"},
				notWords: []string{"pd"},
				calls: map[string]int{routePixels: 2, routeEvents: maxListedProbes,
					routeEvents + "?pid=pa": 1, routeEvents + "?pid=pd": 0},
			},
		},
		{
			name: "no pixel configured and the listing is refused",
			api:  checkSetup{script: []fakeapi.Fault{openAIError(pathPixels, 404, "Not found", nil)}},
			want: checkWant{
				status:   protocol.StatusSucceeded,
				words:    []string{"Acme Ads", "No pixel was tested"},
				warnings: []string{"No pixel is configured"},
				calls:    map[string]int{routePixels: 1, routeEvents: 0},
			},
		},
		{
			name: "no pixel configured and the account has none",
			api:  checkSetup{noPixels: true},
			want: checkWant{
				status:   protocol.StatusSucceeded,
				words:    []string{"Acme Ads", "No pixel was tested"},
				warnings: []string{"Default Pixel ID"},
				calls:    map[string]int{routeEvents: 0},
			},
		},
		{
			name:   "unexpected 400 on the probe is our bug",
			config: map[string]any{"default_pixel_id": "p1"},
			api: checkSetup{script: []fakeapi.Fault{{Kind: fakeapi.FaultAnswer, Path: pathEvents, Status: 400,
				Body: `{"error":{"message":"Invalid value for 'action_source'.","type":"invalid_request_error","param":"events[0].action_source","code":"invalid_value"}}`}}},
			want: checkWant{
				failure: protocol.SystemError, reported: true,
				words:    []string{"did not expect"},
				internal: []string{"HTTP 400", "action_source"},
				calls:    map[string]int{routeEvents: 1},
			},
		},
	})
}

// onPixel restricts a scripted answer to the probes of one pixel.
func onPixel(pixel string, f fakeapi.Fault) fakeapi.Fault {
	f.PixelID = pixel
	return f
}
