package destination

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// keyForbidden is the message of a 403 that refuses the key.
const keyForbidden = "This key is not allowed to access this resource."

// incorrectKey is the 401 of a key OpenAI does not accept, as path answers it.
func incorrectKey(path string) fakeapi.Fault {
	return openAIError(path, 401, "Incorrect API key provided.", map[string]string{"x-request-id": "req_401"})
}

// TestCheckKeys: what check says of the key, from the answers of the Ads API and of the
// pixel probes.
func TestCheckKeys(t *testing.T) {
	runCheckCases(t, []checkCase{
		{
			name:   "key refused with 401",
			config: map[string]any{"default_pixel_id": "p1"},
			api: checkSetup{script: []fakeapi.Fault{
				incorrectKey(pathAccount),
				incorrectKey(pathEvents),
			}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"refused this API key", "Conversions API key", "Manage conversion keys"},
				internal: []string{"HTTP 401", "Incorrect API key provided", "req_401"},
				calls:    map[string]int{routeAccount: 1, routeEvents: 1},
			},
		},
		{
			name:   "key refused with 403",
			config: map[string]any{"default_pixel_id": "p1"},
			api: checkSetup{script: []fakeapi.Fault{
				openAIError(pathAccount, 403, keyForbidden, nil), openAIError(pathEvents, 403, keyForbidden, nil),
			}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"refused this API key", "Conversions API key"},
				internal: []string{"HTTP 403"},
				calls:    map[string]int{routeAccount: 1, routeEvents: 1},
			},
		},
		{
			name: "key refused by the Ads API and no pixel to probe it with",
			api:  checkSetup{script: []fakeapi.Fault{incorrectKey(pathAccount)}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"HTTP 401", "Default Pixel ID", "Conversions API key"},
				calls: map[string]int{routeAccount: 1, routePixels: 0, routeEvents: 0},
			},
		},
		{
			name:   "advertiser key lacks the events scope",
			config: map[string]any{"default_pixel_id": "p1"},
			api:    checkSetup{key: fakeapi.KeyAdvertiser},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"ads.third_party_events.write", "Advertiser API key", "Conversions API key"},
				internal: []string{"Missing scopes"},
				calls:    map[string]int{routeEvents: 1},
			},
		},
		{
			name:   "key refused with the recorded 401 Unauthorized",
			config: map[string]any{"default_pixel_id": "p1"},
			api:    checkSetup{keyUnknown: true},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"refused this API key", "Conversions API key"},
				notWords: []string{"Pixel ID"},
				internal: []string{"HTTP 401: Unauthorized"},
				calls:    map[string]int{routeAccount: 1, routeEvents: 1},
			},
		},
		{
			name: "conversions-only key: Ads API refuses, every probe accepted",
			config: map[string]any{"default_pixel_id": "p1", "stream_pixels": []map[string]string{
				{"stream_name": "orders", "pixel_id": "p2"},
			}},
			api: checkSetup{key: fakeapi.KeyConversions},
			want: checkWant{
				status:   protocol.StatusSucceeded,
				words:    []string{"Conversions API key", "p1, p2"},
				warnings: []string{"refused this key (HTTP 401)"},
				calls:    map[string]int{routeAccount: 1, routeEvents: 2, routePixels: 0},
			},
		},
		{
			name:   "conversions-only key with a 403 from the Ads API",
			config: map[string]any{"default_pixel_id": "p1"},
			api:    checkSetup{key: fakeapi.KeyConversions, script: []fakeapi.Fault{openAIError(pathAccount, 403, keyForbidden, nil)}},
			want: checkWant{
				status:   protocol.StatusSucceeded,
				words:    []string{"Conversions API key", "p1"},
				warnings: []string{"HTTP 403"},
			},
		},
		{
			name:   "a 401 that echoes the key",
			config: map[string]any{"default_pixel_id": "p1"},
			api: checkSetup{script: []fakeapi.Fault{
				openAIError(pathAccount, 401, "invalid key Bearer "+testKey, nil),
				openAIError(pathEvents, 401, "invalid key Bearer "+testKey+" (the key "+testKey+" is unknown)", map[string]string{"x-request-id": "req_" + testKey}),
			}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"refused this API key"},
				internal: []string{"invalid key Bearer [redacted]", "is unknown"},
			},
		},
	})
}

// TestCheckWithoutAPixelSaysSoFirst pins the wording a user with a Conversions API key and no
// pixel reads: one short message that starts with the fix, the server's text kept internal.
func TestCheckWithoutAPixelSaysSoFirst(t *testing.T) {
	api := newCheckAPI(t, checkSetup{script: []fakeapi.Fault{incorrectKey(pathAccount)}})
	path := writeConfigFile(t, fakeConfig(api.URL, nil))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	res := runCommand(t, ctx, checkNow, "check", "--config", path)

	assertCheckVerdict(t, res, checkWant{
		status: protocol.StatusFailed, failure: protocol.ConfigError,
		words:    []string{"Default Pixel ID", "HTTP 401"},
		notWords: []string{"Incorrect API key provided"},
		internal: []string{"Incorrect API key provided"},
	})
	assert.Equal(t, 1, api.calls(routeAccount))
	assert.Zero(t, api.calls(routeEvents), "nothing to probe without a pixel")
	traces := errorTraces(res.Messages)
	require.Len(t, traces, 1)
	msg := traces[0].Message
	assert.Regexp(t, `^Set a Default Pixel ID: `, msg, "the advice comes first")
	assert.LessOrEqual(t, len(msg), 260, "one short message: %q", msg)
}
