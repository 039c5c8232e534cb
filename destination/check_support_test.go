package destination

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// The routes of the OpenAI hosts that check calls, as checkAPI.calls counts them.
const (
	routeAccount = "GET /v1/ad_account"
	routeEvents  = "POST /v1/events"
	routePixels  = "GET /v1/conversions/pixels"
)

// The paths of the fake's faults.
const (
	pathAccount = "/v1/ad_account"
	pathEvents  = "/v1/events"
	pathPixels  = "/v1/conversions/pixels"
)

// always makes a scripted fault the answer to every matching request of a check.
const always = 1000

// checkNow is the clock of every check run and of the fake API; probes must carry it.
var checkNow = time.Now().UTC().Truncate(time.Millisecond)

// checkAccount is the ad account of the fake API.
var checkAccount = fakeapi.Account{ID: "act_123", Name: "Acme Ads", URL: "https://www.acme.example", Timezone: "UTC", CurrencyCode: "USD"}

// openAIError is a scripted answer of path with OpenAI's error envelope.
func openAIError(path string, status int, message string, header map[string]string) fakeapi.Fault {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message, "type": "invalid_request_error", "param": nil, "code": nil,
	}})
	return fakeapi.Fault{Kind: fakeapi.FaultAnswer, Path: path, Status: status, Body: string(body), Header: header}
}

// checkSetup is the fake API a check case runs against.
type checkSetup struct {
	key        fakeapi.KeyKind // the kind of testKey; 0 means KeyBoth
	keyUnknown bool            // the fake does not know testKey at all
	pixels     []string        // the account's pixels; nil means p1 and p2
	noPixels   bool            // the account has no pixel
	script     []fakeapi.Fault
}

// checkAPI is the in-repo fake API serving one check, recording every request.
type checkAPI struct {
	*fakeapi.API
	URL string
}

// newCheckAPI starts the fake API for s, listing pixels in pages of 2.
func newCheckAPI(t *testing.T, s checkSetup) checkAPI {
	t.Helper()
	kind := s.key
	if kind == 0 {
		kind = fakeapi.KeyBoth
	}
	keys := map[string]fakeapi.KeyKind{testKey: kind}
	if s.keyUnknown {
		keys = map[string]fakeapi.KeyKind{"sk-another-key-0123456789": fakeapi.KeyBoth}
	}
	pixels := s.pixels
	if pixels == nil && !s.noPixels {
		pixels = []string{"p1", "p2"}
	}
	api, srv := fakeapi.NewServer(t, fakeapi.Options{Keys: keys, Pixels: fakeapi.WebPixels(pixels...), Account: checkAccount,
		Now: func() time.Time { return checkNow }, KeepRequests: true, PixelPageSize: 2})
	api.Script(s.script...)
	return checkAPI{API: api, URL: srv.URL}
}

// calls counts the requests to a route: "POST /v1/events" counts every pixel,
// "POST /v1/events?pid=p1" one pixel.
func (a checkAPI) calls(route string) int {
	n := 0
	for _, r := range a.Requests() {
		if rt := r.Method + " " + r.Path; rt == route || rt+"?"+r.Query == route {
			n++
		}
	}
	return n
}

// queries lists the queries of the requests to a route, in order.
func (a checkAPI) queries(route string) []string {
	var out []string
	for _, r := range a.Requests() {
		if r.Method+" "+r.Path == route {
			out = append(out, r.Query)
		}
	}
	return out
}

// assertWellFormedRequests checks what every request carried: the key exactly as
// "Bearer <key>" and nowhere else, only the three routes check calls, and validate-only
// probes of one event stamped with now.
func (a checkAPI) assertWellFormedRequests(t *testing.T, now time.Time) {
	t.Helper()
	for _, r := range a.Requests() {
		route := r.Method + " " + r.Path
		assert.Contains(t, []string{routeAccount, routeEvents, routePixels}, route, "a route check calls")
		assert.Equal(t, "Bearer "+testKey, r.Authorization, "%s: Authorization header", route)
		assert.NotContains(t, r.Query, testKey, "the key is never in a URL")
		if route == routeEvents {
			assert.Equal(t, "application/json", r.ContentType, "%s: Content-Type", route)
			assertProbeBody(t, r.Body, now)
		} else {
			assert.Empty(t, r.Body, "%s has no body", route)
		}
	}
}

// assertProbeBody checks a check probe: {"validate_only":true,"events":[one event]} with the
// fields the API requires, stamped with the command's clock.
func assertProbeBody(t *testing.T, body []byte, now time.Time) {
	t.Helper()
	var probe struct {
		ValidateOnly *bool `json:"validate_only"`
		Events       []struct {
			ID           string `json:"id"`
			Type         string `json:"type"`
			TimestampMS  int64  `json:"timestamp_ms"`
			ActionSource string `json:"action_source"`
			Data         struct {
				Type string `json:"type"`
			} `json:"data"`
		} `json:"events"`
	}
	if !assert.NoError(t, json.Unmarshal(body, &probe), "probe body %s", body) {
		return
	}
	if assert.NotNil(t, probe.ValidateOnly, "validate_only is set") {
		assert.True(t, *probe.ValidateOnly, "a probe never stores an event")
	}
	if !assert.Len(t, probe.Events, 1, "a probe is one synthetic event") {
		return
	}
	e := probe.Events[0]
	assert.NotEmpty(t, e.ID)
	assert.Equal(t, "lead_created", e.Type)
	assert.Equal(t, "customer_action", e.Data.Type)
	assert.NotEmpty(t, e.ActionSource)
	assert.Equal(t, now.UnixMilli(), e.TimestampMS, "the probe is stamped with the command's clock")
}

// checkWant is the expected outcome of one check.
type checkWant struct {
	status   protocol.Status      // the CONNECTION_STATUS; "" when none may be written
	failure  protocol.FailureType // the TRACE ERROR's failure_type; "" when none may be written
	reported bool                 // Run returns a *ReportedError (exit 1); otherwise nil (exit 0)
	words    []string             // in the verdict's message (both the TRACE's and the status's)
	notWords []string             // not in the verdict's message
	internal []string             // in the TRACE's internal_message
	warnings []string             // one LOG WARN each, in order, containing this
	calls    map[string]int       // requests per route
}

// assertCheckVerdict checks what one check wrote and returned against want.
func assertCheckVerdict(t *testing.T, res commandResult, want checkWant) {
	t.Helper()
	assertNoKey(t, res)
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

// checkCase is one run of check against the fake API.
type checkCase struct {
	name    string
	config  map[string]any // over a valid config that points at the fake
	api     checkSetup
	refused bool // the base URLs point at a closed port
	cancel  bool // the context is cancelled before the check starts
	extra   func(t *testing.T, api checkAPI)
	want    checkWant
}

// runCheckCases runs each case's check in parallel, then checks its verdict and the requests
// the fake received.
func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			api := newCheckAPI(t, c.api)
			base := api.URL
			if c.refused {
				base = connectortest.ClosedURL(t)
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
				assert.Equal(t, n, api.calls(route), "requests to %s", route)
			}
			api.assertWellFormedRequests(t, checkNow)
			if c.extra != nil {
				c.extra(t, api)
			}
		})
	}
}
