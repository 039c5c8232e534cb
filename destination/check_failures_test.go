package destination

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// TestCheckFailures: the API down, slow to answer, rate limiting or unreachable, and configs
// check cannot use. These are config_error with advice, never our bug.
func TestCheckFailures(t *testing.T) {
	internal500 := fakeapi.Fault{Kind: fakeapi.FaultInternal, Path: pathAccount, Times: always}
	// A rate limit fails fast: one request per route proves it is not retried, and
	// openai's TestRetryShort proves on the bubble's clock that it is not waited out.
	rateLimited := func(path string) fakeapi.Fault {
		return fakeapi.Fault{Kind: fakeapi.FaultRateLimit, Path: path, RetryAfter: 2 * time.Minute, Times: always}
	}
	runCheckCases(t, []checkCase{
		{
			name:   "server errors that recover are retried",
			config: map[string]any{"default_pixel_id": "p1"},
			api: checkSetup{script: []fakeapi.Fault{
				{Kind: fakeapi.FaultUnavailable, Path: pathAccount},
				{Kind: fakeapi.FaultInternal, Path: pathEvents},
				{Kind: fakeapi.FaultBadGateway, Path: pathEvents},
			}},
			want: checkWant{
				status: protocol.StatusSucceeded,
				words:  []string{"Acme Ads", "p1"},
				calls:  map[string]int{routeAccount: 2, routeEvents: 3},
			},
		},
		{
			name:   "server errors that persist on the probe",
			config: map[string]any{"default_pixel_id": "p1"},
			api:    checkSetup{script: []fakeapi.Fault{{Kind: fakeapi.FaultUnavailable, Path: pathEvents, Times: always}}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"server error", "HTTP 503", "3 times in a row", "try again later"},
				internal: []string{"Authentication backend failure"},
				calls:    map[string]int{routeAccount: 1, routeEvents: checkAttempts},
			},
		},
		{
			name: "server errors that persist on the Ads API and no pixel to probe",
			api:  checkSetup{script: []fakeapi.Fault{internal500}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"server error", "HTTP 500"},
				calls: map[string]int{routeAccount: checkAttempts, routeEvents: 0},
			},
		},
		{
			name:   "server errors that persist on the Ads API while the events host works",
			config: map[string]any{"default_pixel_id": "p1"},
			api:    checkSetup{script: []fakeapi.Fault{internal500}},
			want: checkWant{
				status:   protocol.StatusSucceeded,
				words:    []string{"p1", "sending events works"},
				warnings: []string{"could not be read"},
				calls:    map[string]int{routeAccount: checkAttempts, routeEvents: 1},
			},
		},
		{
			name:   "a 500 that echoes the Authorization header",
			config: map[string]any{"default_pixel_id": "p1"},
			api: checkSetup{script: []fakeapi.Fault{{Kind: fakeapi.FaultAnswer, Path: pathEvents, Status: 500, Times: always,
				Body:   "upstream failure; request headers: Authorization: Bearer " + testKey + "\nUser-Agent: x",
				Header: map[string]string{"Content-Type": "text/plain", "x-request-id": "Bearer " + testKey}}}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"server error", "HTTP 500"},
				internal: []string{"upstream failure"},
				calls:    map[string]int{routeEvents: checkAttempts},
			},
		},
		{
			name:    "connection refused",
			config:  map[string]any{"default_pixel_id": "p1"},
			refused: true,
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"Could not reach the OpenAI API", "3 attempts", "base URLs"},
			},
		},
		{
			name: "rate limited on the Ads API fails fast",
			api:  checkSetup{script: []fakeapi.Fault{rateLimited(pathAccount)}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"rate limiting", "HTTP 429", "again in a minute"},
				calls: map[string]int{routeAccount: 1, routeEvents: 0},
			},
		},
		{
			name:   "rate limited on the probe fails fast",
			config: map[string]any{"default_pixel_id": "p1"},
			api:    checkSetup{script: []fakeapi.Fault{rateLimited(pathEvents)}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"rate limiting", "HTTP 429"},
				calls: map[string]int{routeEvents: 1},
			},
		},
		{
			name:   "interrupted before it could finish",
			config: map[string]any{"default_pixel_id": "p1"},
			cancel: true,
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"interrupted"},
			},
		},
		{
			name: "invalid config reports every problem at once",
			config: map[string]any{
				"api_key":          testKey + " pasted twice " + testKey,
				"batch_size":       0,
				"ads_api_base_url": "http://ads.example.com",
				"default_pixel_id": "a b",
				"pixel_id":         "p1",
			},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"5 problems", "api_key", "batch_size", "ads_api_base_url", "default_pixel_id", "pixel_id: unknown field"},
				calls: map[string]int{routeAccount: 0, routeEvents: 0},
			},
		},
		{
			name:   "config with a path in a base URL",
			config: map[string]any{"ads_api_base_url": "http://127.0.0.1:1/v1"},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"1 problem", "ads_api_base_url: must not contain a path"},
				calls: map[string]int{routeAccount: 0},
			},
		},
	})
}

func TestCheckUnreadableConfigFileIsAConfigError(t *testing.T) {
	res := runCommand(t, t.Context(), checkNow, "check", "--config", t.TempDir()+"/missing.json")
	assertCheckVerdict(t, res, checkWant{
		status: protocol.StatusFailed, failure: protocol.ConfigError,
		words: []string{"The config file ", "missing.json cannot be read"},
	})
}

func TestCheckConfigThatIsNotJSONSaysWhere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"api_key": "`+testKey+`",}`), 0o600))
	res := runCommand(t, t.Context(), checkNow, "check", "--config", path)
	assertCheckVerdict(t, res, checkWant{
		status: protocol.StatusFailed, failure: protocol.ConfigError,
		words: []string{"The config file " + path + " has invalid JSON at byte "},
	})
}

// TestRunNeverShowsTheKey runs every command against an API that echoes the key in every
// answer, whatever it is asked.
func TestRunNeverShowsTheKey(t *testing.T) {
	echoes := map[string]fakeapi.Fault{
		"401 echo": openAIError("", 401, "invalid key Bearer "+testKey+"; key="+testKey, map[string]string{"x-request-id": testKey}),
		"400 echo": {Kind: fakeapi.FaultAnswer, Status: 400,
			Body: `{"error":{"message":"bad request from Bearer ` + testKey + `","param":"` + testKey + `","code":"` + testKey + `","type":"` + testKey + `"}}`},
		"500 echo": {Kind: fakeapi.FaultAnswer, Status: 500, Body: "Authorization: Bearer " + testKey, Header: map[string]string{"Content-Type": "text/plain"}},
	}
	for name, echo := range echoes {
		echo.Times = always
		for _, command := range []string{"spec", "check", "discover"} {
			t.Run(name+"/"+command, func(t *testing.T) {
				t.Parallel()
				api := newCheckAPI(t, checkSetup{script: []fakeapi.Fault{echo}})
				path := writeConfigFile(t, fakeConfig(api.URL, map[string]any{"default_pixel_id": "p1"}))
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				res := runCommand(t, ctx, checkNow, command, "--config", path)
				assertNoKey(t, res)
				assert.NotEmpty(t, res.Messages, "every command answers on stdout")
			})
		}
	}
}
