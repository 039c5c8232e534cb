package destination

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// The routes of the fake OpenAI hosts that check calls.
const (
	routeAccount = "GET /v1/ad_account"
	routeEvents  = "POST /v1/events"
	routePixels  = "GET /v1/conversions/pixels"
)

// checkNow is the clock of every check run; probes must carry it.
var checkNow = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

// openAIError is a reply with OpenAI's error envelope.
func openAIError(status int, message string, header map[string]string) fakeReply {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message, "type": "invalid_request_error", "param": nil, "code": nil,
	}})
	return fakeReply{Status: status, Body: string(body), Header: header}
}

var (
	accountOK      = fakeReply{Status: 200, Body: `{"id":"act_123","name":"Acme Ads","url":"https://www.acme.example","timezone":"UTC","currency_code":"USD"}`}
	probeAccepted  = fakeReply{Status: 200, Body: `{"accepted_events":1}`}
	keyInvalid     = openAIError(401, "Incorrect API key provided.", map[string]string{"x-request-id": "req_401"})
	keyForbidden   = openAIError(403, "This key is not allowed to access this resource.", nil)
	scopesMissing  = openAIError(401, "You have insufficient permissions for this operation. Missing scopes: ads.third_party_events.write. Check that you have the correct role in your organization.", nil)
	adsScopeAbsent = openAIError(401, "You have insufficient permissions for this operation. Missing scopes: api.ads.read.", nil)
	notFound       = openAIError(404, "Not found", nil)
	unknownPid     = fakeReply{Status: 403, Body: `{"error":{"message":"403: unknown pid","type":"server_error","param":null,"code":null}}`}
	unauthorized   = openAIError(401, "Unauthorized", nil)
	authBackend503 = fakeReply{Status: 503, Body: `{"error":{"message":"503: Authentication backend failure","type":"server_error","param":null,"code":null}}`}
	rateLimited    = fakeReply{Status: 429, Body: `{"error":{"message":"Rate limit reached","type":"rate_limit_error"}}`, Header: map[string]string{"Retry-After": "120"}}
)

// checkWant is the expected outcome of one check.
type checkWant struct {
	status     protocol.Status      // the CONNECTION_STATUS; "" when none may be written
	failure    protocol.FailureType // the TRACE ERROR's failure_type; "" when none may be written
	reported   bool                 // Run returns a *ReportedError (exit 1); otherwise nil (exit 0)
	words      []string             // in the verdict's message (both the TRACE's and the status's)
	notWords   []string             // not in the verdict's message
	internal   []string             // in the TRACE's internal_message
	warnings   []string             // one LOG WARN each, in order, containing this
	calls      map[string]int       // requests per route
	maxElapsed time.Duration        // 0: no bound beyond the test's deadline
}

func TestCheckOutcomes(t *testing.T) {
	cases := []struct {
		name    string
		config  map[string]any // over a valid config that points at the fake
		script  map[string][]fakeReply
		refused bool // the base URLs point at a closed port
		cancel  bool // the context is cancelled before the check starts
		extra   func(t *testing.T, f *fakeServer)
		want    checkWant
	}{
		{
			name:   "good key and pixel",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{routeAccount: {accountOK}, routeEvents: {probeAccepted}},
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
			script: map[string][]fakeReply{routeAccount: {accountOK}, routeEvents: {probeAccepted}},
			want: checkWant{
				status: protocol.StatusSucceeded,
				words:  []string{"Acme Ads", "p1, p2"},
				calls:  map[string]int{routeEvents + "?pid=p1": 1, routeEvents + "?pid=p2": 1},
			},
		},
		{
			name:   "key refused with 401",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{routeAccount: {keyInvalid}, routeEvents: {keyInvalid}},
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
			script: map[string][]fakeReply{routeAccount: {keyForbidden}, routeEvents: {keyForbidden}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"refused this API key", "Conversions API key"},
				internal: []string{"HTTP 403"},
				calls:    map[string]int{routeAccount: 1, routeEvents: 1},
			},
		},
		{
			name:   "key refused by the Ads API and no pixel to probe it with",
			script: map[string][]fakeReply{routeAccount: {keyInvalid}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"HTTP 401", "Default Pixel ID", "Conversions API key"},
				calls: map[string]int{routeAccount: 1, routePixels: 0, routeEvents: 0},
			},
		},
		{
			name:   "advertiser key lacks the events scope",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{routeAccount: {accountOK}, routeEvents: {scopesMissing}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"ads.third_party_events.write", "Advertiser API key", "Conversions API key"},
				internal: []string{"Missing scopes"},
				calls:    map[string]int{routeEvents: 1},
			},
		},
		{
			name:   "pixel refused",
			config: map[string]any{"default_pixel_id": "unknown"},
			script: map[string][]fakeReply{routeAccount: {accountOK}, routeEvents + "?pid=unknown": {notFound}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{`Pixel ID "unknown"`, "HTTP 404", "Ads Manager"},
				calls: map[string]int{routeEvents + "?pid=unknown": 1},
			},
		},
		{
			name:   "unknown pixel: the recorded 403 unknown pid is a pixel problem, not a key problem",
			config: map[string]any{"default_pixel_id": "pxl_gone"},
			script: map[string][]fakeReply{routeAccount: {accountOK}, routeEvents + "?pid=pxl_gone": {unknownPid}},
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
			script: map[string][]fakeReply{routeAccount: {adsScopeAbsent}, routeEvents + "?pid=pxl_gone": {unknownPid}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{`OpenAI does not know Pixel ID "pxl_gone"`, "403: unknown pid"},
				notWords: []string{"refused this API key", "Advertiser API key"},
				calls:    map[string]int{routeEvents + "?pid=pxl_gone": 1},
			},
		},
		{
			name:   "key refused with the recorded 401 Unauthorized",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{routeAccount: {unauthorized}, routeEvents: {unauthorized}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"refused this API key", "Conversions API key"},
				notWords: []string{"Pixel ID"},
				internal: []string{"HTTP 401: Unauthorized"},
				calls:    map[string]int{routeAccount: 1, routeEvents: 1},
			},
		},
		{
			name: "one of two pixels refused",
			config: map[string]any{"default_pixel_id": "p1", "stream_pixels": []map[string]string{
				{"stream_name": "orders", "pixel_id": "unknown"},
			}},
			script: map[string][]fakeReply{
				routeAccount:                 {accountOK},
				routeEvents + "?pid=p1":      {probeAccepted},
				routeEvents + "?pid=unknown": {openAIError(400, "Invalid pixel id", nil)},
			},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{`Pixel ID "unknown"`, "Invalid pixel id"},
				notWords: []string{`"p1"`},
				calls:    map[string]int{routeEvents: 2},
			},
		},
		{
			name:   "server errors that recover are retried",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{
				routeAccount: {authBackend503, accountOK},
				routeEvents:  {{Status: 500, Body: `{"error":{"message":"internal"}}`}, {Status: 502, Body: "<html>Bad Gateway</html>"}, probeAccepted},
			},
			want: checkWant{
				status: protocol.StatusSucceeded,
				words:  []string{"Acme Ads", "p1"},
				calls:  map[string]int{routeAccount: 2, routeEvents: 3},
			},
		},
		{
			name:   "server errors that persist on the probe",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{routeAccount: {accountOK}, routeEvents: {authBackend503}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"server error", "HTTP 503", "3 times in a row", "try again later"},
				internal: []string{"Authentication backend failure"},
				calls:    map[string]int{routeAccount: 1, routeEvents: checkAttempts},
			},
		},
		{
			name:   "server errors that persist on the Ads API and no pixel to probe",
			script: map[string][]fakeReply{routeAccount: {{Status: 500, Body: `{"error":{"message":"boom"}}`}}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"server error", "HTTP 500"},
				calls: map[string]int{routeAccount: checkAttempts, routeEvents: 0},
			},
		},
		{
			name:   "server errors that persist on the Ads API while the events host works",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{routeAccount: {{Status: 500, Body: `{"error":{"message":"boom"}}`}}, routeEvents: {probeAccepted}},
			want: checkWant{
				status:   protocol.StatusSucceeded,
				words:    []string{"p1", "sending events works"},
				warnings: []string{"could not be read"},
				calls:    map[string]int{routeAccount: checkAttempts, routeEvents: 1},
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
			name:   "rate limited on the Ads API fails fast",
			script: map[string][]fakeReply{routeAccount: {rateLimited}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:      []string{"rate limiting", "HTTP 429", "again in a minute"},
				calls:      map[string]int{routeAccount: 1, routeEvents: 0},
				maxElapsed: 5 * time.Second,
			},
		},
		{
			name:   "rate limited on the probe fails fast",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{routeAccount: {accountOK}, routeEvents: {rateLimited}},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:      []string{"rate limiting", "HTTP 429"},
				calls:      map[string]int{routeEvents: 1},
				maxElapsed: 5 * time.Second,
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
			script: map[string][]fakeReply{},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"5 problems", "api_key", "batch_size", "ads_api_base_url", "default_pixel_id", "pixel_id: unknown field"},
				calls: map[string]int{routeAccount: 0, routeEvents: 0},
			},
		},
		{
			name:   "config with a path in a base URL",
			config: map[string]any{"ads_api_base_url": "http://127.0.0.1:1/v1"},
			script: map[string][]fakeReply{},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"1 problem", "ads_api_base_url: must not contain a path"},
				calls: map[string]int{routeAccount: 0},
			},
		},
		{
			name: "conversions-only key: Ads API refuses, every probe accepted",
			config: map[string]any{"default_pixel_id": "p1", "stream_pixels": []map[string]string{
				{"stream_name": "orders", "pixel_id": "p2"},
			}},
			script: map[string][]fakeReply{routeAccount: {adsScopeAbsent}, routeEvents: {probeAccepted}},
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
			script: map[string][]fakeReply{routeAccount: {keyForbidden}, routeEvents: {probeAccepted}},
			want: checkWant{
				status:   protocol.StatusSucceeded,
				words:    []string{"Conversions API key", "p1"},
				warnings: []string{"HTTP 403"},
			},
		},
		{
			name: "no pixel configured: the first listed pixels are probed",
			script: map[string][]fakeReply{
				routeAccount: {accountOK},
				routePixels: {
					{Status: 200, Body: `{"object":"list","data":[{"id":"cds_a","pixel_id":"pa"},{"id":"cds_b","pixel_id":"pb"}],"first_id":"cds_a","last_id":"cds_b","has_more":true}`},
					{Status: 200, Body: `{"object":"list","data":[{"id":"cds_c","pixel_id":"pc"},{"id":"cds_d","pixel_id":"pd"}],"first_id":"cds_c","last_id":"cds_d","has_more":false}`},
				},
				routeEvents: {probeAccepted},
			},
			extra: func(t *testing.T, f *fakeServer) {
				var queries []string
				for _, r := range f.recorded() {
					if r.Route == routePixels {
						queries = append(queries, r.Query)
					}
				}
				assert.Equal(t, []string{"limit=100", "limit=100&after=cds_b"}, queries, "the listing follows pages")
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
			name:   "no pixel configured and the listing is refused",
			script: map[string][]fakeReply{routeAccount: {accountOK}, routePixels: {notFound}},
			want: checkWant{
				status:   protocol.StatusSucceeded,
				words:    []string{"Acme Ads", "No pixel was tested"},
				warnings: []string{"No pixel is configured"},
				calls:    map[string]int{routePixels: 1, routeEvents: 0},
			},
		},
		{
			name:   "no pixel configured and the account has none",
			script: map[string][]fakeReply{routeAccount: {accountOK}, routePixels: {{Status: 200, Body: `{"object":"list","data":[],"has_more":false}`}}},
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
			script: map[string][]fakeReply{
				routeAccount: {accountOK},
				routeEvents:  {{Status: 400, Body: `{"error":{"message":"Invalid value for 'action_source'.","type":"invalid_request_error","param":"events[0].action_source","code":"invalid_value"}}`}},
			},
			want: checkWant{
				failure: protocol.SystemError, reported: true,
				words:    []string{"did not expect"},
				internal: []string{"HTTP 400", "action_source"},
				calls:    map[string]int{routeEvents: 1},
			},
		},
		{
			name:   "a 401 that echoes the key",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{
				routeAccount: {openAIError(401, "invalid key $AUTH", nil)},
				routeEvents:  {openAIError(401, "invalid key $AUTH (the key $KEY is unknown)", map[string]string{"x-request-id": "req_$KEY"})},
			},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"refused this API key"},
				internal: []string{"invalid key Bearer [redacted]", "is unknown"},
			},
		},
		{
			name:   "a 500 that echoes the Authorization header",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{
				routeAccount: {accountOK},
				routeEvents: {{
					Status: 500, Body: "upstream failure; request headers: Authorization: $AUTH\nUser-Agent: x",
					Header: map[string]string{"Content-Type": "text/plain", "x-request-id": "$AUTH"},
				}},
			},
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words:    []string{"server error", "HTTP 500"},
				internal: []string{"upstream failure"},
				calls:    map[string]int{routeEvents: checkAttempts},
			},
		},
		{
			name:   "interrupted before it could finish",
			config: map[string]any{"default_pixel_id": "p1"},
			script: map[string][]fakeReply{routeAccount: {accountOK}, routeEvents: {probeAccepted}},
			cancel: true,
			want: checkWant{
				status: protocol.StatusFailed, failure: protocol.ConfigError,
				words: []string{"interrupted"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeServer(t)
			for route, replies := range c.script {
				f.on(route, replies...)
			}
			base := f.URL
			if c.refused {
				base = closedPortURL(t)
			}
			path := writeConfigFile(t, fakeConfig(base, c.config))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			if c.cancel {
				cancel()
			}

			res := runCommand(t, ctx, checkNow, "check", "--config", path)

			assertCheckVerdict(t, res, c.want)
			for route, n := range c.want.calls {
				assert.Equal(t, n, f.calls(route), "requests to %s", route)
			}
			f.assertWellFormedRequests(t, checkNow)
			if c.extra != nil {
				c.extra(t, f)
			}
		})
	}
}

// assertCheckVerdict checks what one check wrote and returned against want.
func assertCheckVerdict(t *testing.T, res commandResult, want checkWant) {
	t.Helper()
	assertNoKey(t, res)
	assert.Empty(t, res.Stderr, "stderr is for usage errors only")
	if want.maxElapsed > 0 {
		assert.Less(t, res.Elapsed, want.maxElapsed, "the check must not wait out a rate limit")
	}
	if want.reported {
		var reported *ReportedError
		assert.ErrorAs(t, res.Err, &reported, "a bug of ours exits 1 after its TRACE")
	} else {
		assert.NoError(t, res.Err, "a check that could answer exits 0")
	}
	require.NotEmpty(t, res.Messages, "check writes its verdict on stdout")

	var verdicts []string
	statuses := ofType(res.Messages, protocol.TypeConnectionStatus)
	if want.status == "" {
		assert.Empty(t, statuses, "no CONNECTION_STATUS after a failure of our own")
	} else if assert.Len(t, statuses, 1, "exactly one CONNECTION_STATUS") {
		assert.Equal(t, want.status, statuses[0].ConnectionStatus.Status)
		verdicts = append(verdicts, statuses[0].ConnectionStatus.Message)
		assert.Equal(t, protocol.TypeConnectionStatus, res.Messages[len(res.Messages)-1].Type, "the status is the last message")
	}
	traces := errorTraces(res.Messages)
	if want.failure == "" {
		assert.Empty(t, traces, "no TRACE ERROR when the check succeeds")
	} else if assert.Len(t, traces, 1, "exactly one TRACE ERROR") {
		assert.Equal(t, want.failure, traces[0].FailureType)
		verdicts = append(verdicts, traces[0].Message)
		for _, w := range want.internal {
			assert.Contains(t, traces[0].InternalMessage, w, "internal_message")
		}
	}
	for _, v := range verdicts {
		for _, w := range want.words {
			assert.Contains(t, v, w, "verdict message")
		}
		for _, w := range want.notWords {
			assert.NotContains(t, v, w, "verdict message")
		}
	}
	warnings := logs(res.Messages, protocol.LevelWarn)
	if assert.Len(t, warnings, len(want.warnings), "LOG WARN messages: %q", warnings) {
		for i, w := range want.warnings {
			assert.Contains(t, warnings[i], w)
		}
	}
}

// closedPortURL returns the base URL of a loopback port that nothing listens on any more.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
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

// TestRunNeverShowsTheKey runs every command against servers that echo the key in every
// answer, whatever they are asked.
func TestRunNeverShowsTheKey(t *testing.T) {
	echoes := map[string]fakeReply{
		"401 echo": openAIError(401, "invalid key $AUTH; key=$KEY", map[string]string{"x-request-id": "$KEY"}),
		"400 echo": {Status: 400, Body: `{"error":{"message":"bad request from $AUTH","param":"$KEY","code":"$KEY","type":"$KEY"}}`},
		"500 echo": {Status: 500, Body: "Authorization: $AUTH", Header: map[string]string{"Content-Type": "text/plain"}},
	}
	for name, echo := range echoes {
		for _, command := range []string{"spec", "check", "discover"} {
			t.Run(name+"/"+command, func(t *testing.T) {
				t.Parallel()
				f := newFakeServer(t).otherwise(echo)
				path := writeConfigFile(t, fakeConfig(f.URL, map[string]any{"default_pixel_id": "p1"}))
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				res := runCommand(t, ctx, checkNow, command, "--config", path)
				assertNoKey(t, res)
				assert.NotEmpty(t, res.Messages, "every command answers on stdout")
			})
		}
	}
}

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want flagValues
	}{
		{"separate value", []string{"--config", "c.json"}, flagValues{"config": "c.json"}},
		{"joined value", []string{"--config=c.json"}, flagValues{"config": "c.json"}},
		{"single dash", []string{"-config", "c.json"}, flagValues{"config": "c.json"}},
		{"two flags in any order", []string{"--catalog=cat.json", "--config", "c.json"}, flagValues{"config": "c.json", "catalog": "cat.json"}},
		{"unknown flags tolerated", []string{"--debug", "--config", "c.json", "--log-level=info"}, flagValues{"config": "c.json", "debug": "", "log-level": "info"}},
		{"value with an equals sign", []string{"--config=/tmp/a=b.json"}, flagValues{"config": "/tmp/a=b.json"}},
		{"nothing", nil, flagValues{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseFlags(c.args)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}

	for _, args := range [][]string{{"c.json"}, {"--config", "c.json", "extra"}, {"--debug=1", "stray", "--config", "c.json"}} {
		_, err := parseFlags(args)
		var usage *UsageError
		assert.ErrorAs(t, err, &usage, "a stray positional argument in %q", args)
	}

	f, err := parseFlags([]string{"--config="})
	require.NoError(t, err)
	_, err = f.require("config")
	var usage *UsageError
	assert.ErrorAs(t, err, &usage, "an empty --config is missing")
	assert.ErrorContains(t, err, "--config")
}

func TestRunUsageErrors(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		words string
	}{
		{"no arguments", nil, "missing command"},
		{"unknown command", []string{"frobnicate"}, `"frobnicate"`},
		{"check without --config", []string{"check"}, "--config"},
		{"check with an empty --config", []string{"check", "--config"}, "--config"},
		{"check with a stray argument", []string{"check", "config.json"}, `"config.json"`},
		{"write without --catalog", []string{"write", "--config", "c.json"}, "--catalog"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runCommand(t, t.Context(), checkNow, c.args...)
			var usage *UsageError
			if assert.ErrorAs(t, res.Err, &usage) {
				assert.Contains(t, usage.Msg, c.words)
			}
			assert.Empty(t, res.Stdout, "a usage error writes nothing on stdout")
		})
	}
}

func TestRunCheckToleratesUnknownFlags(t *testing.T) {
	path := writeConfigFile(t, map[string]any{"api_key": testKey, "batch_size": 0}) // invalid: no request is made
	res := runCommand(t, t.Context(), checkNow, "check", "--debug", "--config="+path, "--log-level", "info")
	assertCheckVerdict(t, res, checkWant{
		status: protocol.StatusFailed, failure: protocol.ConfigError,
		words: []string{"batch_size"},
	})
}
