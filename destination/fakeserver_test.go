package destination

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// testKey is the API key of every fake. It is long and distinctive so that a leak is found by a
// plain substring search.
const testKey = "sk-svcacct-" + testKeyMark + "0123456789abcdefXYZ"

// testKeyMark is the part of testKey that no other text of the connector contains.
const testKeyMark = "TESTKEY"

// fakeReply is one scripted answer of a fakeServer. In Body and in header values, "$AUTH" is
// replaced by the request's Authorization header and "$KEY" by the bare key the request
// carried, so that a reply can echo the credentials back as a careless server would.
type fakeReply struct {
	Status int
	Body   string
	Header map[string]string
}

// fakeRequest is what a fakeServer recorded of one request.
type fakeRequest struct {
	Route       string // "GET /v1/ad_account", "POST /v1/events"
	URL         string // path and query as received
	Query       string
	Auth        string
	ContentType string
	Body        []byte
}

// fakeServer is a scriptable stand-in for the two OpenAI hosts (the Conversions API and the
// Ads API share it: their paths do not overlap). Replies are scripted per route; each request
// takes the next reply of its route and the last one repeats. A route is "METHOD /path" or,
// more specific and tried first, "METHOD /path?query" (such as "POST /v1/events?pid=p1").
//
// The handler only records: tests check the recording after the command has returned, never
// from the handler goroutine.
type fakeServer struct {
	URL string

	mu       sync.Mutex
	script   map[string][]fakeReply
	served   map[string]int
	fallback *fakeReply // the reply to an unscripted route; nil means 599 and a recorded surprise
	requests []fakeRequest
	unknown  []string
}

// newFakeServer starts a fakeServer that is closed when the test ends.
func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{script: map[string][]fakeReply{}, served: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// on scripts the replies of a route.
func (f *fakeServer) on(route string, replies ...fakeReply) *fakeServer {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[route] = append(f.script[route], replies...)
	return f
}

// otherwise sets the reply to every unscripted route.
func (f *fakeServer) otherwise(r fakeReply) *fakeServer {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fallback = &r
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // a short read shows up as a wrong body in the checks
	route := r.Method + " " + r.URL.Path
	auth := r.Header.Get("Authorization")

	f.mu.Lock()
	f.requests = append(f.requests, fakeRequest{
		Route: route, URL: r.URL.RequestURI(), Query: r.URL.RawQuery, Auth: auth,
		ContentType: r.Header.Get("Content-Type"), Body: body,
	})
	key := route
	if _, ok := f.script[route+"?"+r.URL.RawQuery]; ok {
		key = route + "?" + r.URL.RawQuery
	}
	var reply fakeReply
	switch replies := f.script[key]; {
	case len(replies) > 0:
		reply = replies[min(f.served[key], len(replies)-1)]
		f.served[key]++
	case f.fallback != nil:
		reply = *f.fallback
	default:
		f.unknown = append(f.unknown, r.Method+" "+r.URL.RequestURI())
		reply = fakeReply{Status: 599, Body: `{"error":{"message":"unscripted route"}}`}
	}
	f.mu.Unlock()

	echo := strings.NewReplacer("$AUTH", auth, "$KEY", strings.TrimPrefix(auth, "Bearer "))
	for name, value := range reply.Header {
		w.Header().Set(name, echo.Replace(value))
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("openai-version", "2020-10-01")
	w.WriteHeader(reply.Status)
	_, _ = io.WriteString(w, echo.Replace(reply.Body))
}

// calls counts the requests to a route: "POST /v1/events" counts every pixel,
// "POST /v1/events?pid=p1" one pixel.
func (f *fakeServer) calls(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.Route == route || r.Route+"?"+r.Query == route {
			n++
		}
	}
	return n
}

// recorded returns a copy of the recorded requests.
func (f *fakeServer) recorded() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

// assertWellFormedRequests checks what every request carried: the key exactly as
// "Bearer <key>" and nowhere else, no unscripted route, and validate-only probes of one event
// stamped with now.
func (f *fakeServer) assertWellFormedRequests(t *testing.T, now time.Time) {
	t.Helper()
	f.mu.Lock()
	assert.Empty(t, f.unknown, "requests to routes the test did not script")
	f.mu.Unlock()
	for _, r := range f.recorded() {
		assert.Equal(t, "Bearer "+testKey, r.Auth, "%s: Authorization header", r.URL)
		assert.NotContains(t, r.URL, testKey, "the key is never in a URL")
		switch r.Route {
		case "POST /v1/events":
			assert.Equal(t, "application/json", r.ContentType, "%s: Content-Type", r.URL)
			assertProbeBody(t, r.Body, now)
		default:
			assert.Empty(t, r.Body, "%s has no body", r.Route)
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

// writeConfigFile writes a config to a fresh temporary file and returns its path.
func writeConfigFile(t *testing.T, cfg map[string]any) string {
	t.Helper()
	data, err := json.Marshal(cfg)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// fakeConfig is a valid config whose two base URLs point at baseURL, with extra fields set
// over it (a nil value deletes a field).
func fakeConfig(baseURL string, extra map[string]any) map[string]any {
	cfg := map[string]any{
		"api_key":                  testKey,
		"continue_on_errors":       false,
		"conversions_api_base_url": baseURL,
		"ads_api_base_url":         baseURL,
	}
	for k, v := range extra {
		if v == nil {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	return cfg
}

// commandResult is what one in-process run of a command produced.
type commandResult struct {
	Stdout, Stderr string
	Err            error
	Messages       []protocol.Message
	Elapsed        time.Duration
}

// knownTypes are the message types a destination may write.
var knownTypes = map[protocol.Type]bool{
	protocol.TypeRecord: true, protocol.TypeState: true, protocol.TypeLog: true, protocol.TypeSpec: true,
	protocol.TypeConnectionStatus: true, protocol.TypeCatalog: true, protocol.TypeTrace: true,
	protocol.TypeControl: true, protocol.TypeDestinationCatalog: true,
}

// runCommand runs a command in-process with a fixed clock and parses its stdout, checking
// that every line is one protocol message of a known type.
func runCommand(t *testing.T, ctx context.Context, now time.Time, args ...string) commandResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	err := Run(ctx, args, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Version: "test", Now: func() time.Time { return now }})
	res := commandResult{Stdout: stdout.String(), Stderr: stderr.String(), Err: err, Elapsed: time.Since(start)}
	res.Messages = parseMessages(t, res.Stdout)
	return res
}

// parseMessages reads stdout line by line: every line must be a JSON protocol message with a
// known type and only the fields the protocol defines.
func parseMessages(t *testing.T, stdout string) []protocol.Message {
	t.Helper()
	var out []protocol.Message
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var m protocol.Message
		if assert.NoError(t, dec.Decode(&m), "stdout line is not a protocol message: %s", line) {
			assert.True(t, knownTypes[m.Type], "unknown message type %q in %s", m.Type, line)
			assert.False(t, dec.More(), "one message per line: %s", line)
			out = append(out, m)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// ofType returns the messages of one type.
func ofType(msgs []protocol.Message, typ protocol.Type) []protocol.Message {
	var out []protocol.Message
	for _, m := range msgs {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	return out
}

// errorTraces returns the TRACE ERROR messages.
func errorTraces(msgs []protocol.Message) []*protocol.ErrorTrace {
	var out []*protocol.ErrorTrace
	for _, m := range ofType(msgs, protocol.TypeTrace) {
		if m.Trace != nil && m.Trace.Type == protocol.TraceError && m.Trace.Error != nil {
			out = append(out, m.Trace.Error)
		}
	}
	return out
}

// logs returns the messages of LOG messages at one level.
func logs(msgs []protocol.Message, level protocol.Level) []string {
	var out []string
	for _, m := range ofType(msgs, protocol.TypeLog) {
		if m.Log != nil && m.Log.Level == level {
			out = append(out, m.Log.Message)
		}
	}
	return out
}

// assertNoKey checks that the key shows nowhere in what a command produced: not whole, and not
// its distinctive mark either (a cut or re-encoded key is a leak too).
func assertNoKey(t *testing.T, res commandResult) {
	t.Helper()
	for name, out := range map[string]string{"stdout": res.Stdout, "stderr": res.Stderr, "error": errText(res.Err)} {
		assert.NotContains(t, out, testKey, "%s leaks the API key", name)
		assert.NotContains(t, out, testKeyMark, "%s leaks part of the API key", name)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
