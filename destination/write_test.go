package destination

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

const writeTestKey = "sk-write-test-key-0123456789"

// input builds a write's stdin.
type input struct {
	b   strings.Builder
	now int64
}

func newInput() *input { return &input{now: time.Now().Add(-time.Minute).UnixMilli()} }

// lead adds a valid lead record with the given id to a stream.
func (in *input) lead(stream, id string) *input {
	fmt.Fprintf(&in.b, `{"type":"RECORD","record":{"stream":%q,"data":{"id":%q,"type":"lead_created","timestamp_ms":%d,"action_source":"other","data":{"type":"customer_action"},"user":{"email":"Person.%s@Example.com"}},"emitted_at":%d}}`+"\n",
		stream, id, in.now, id, in.now)
	return in
}

// order adds an order record; amount is written as given (129.99 is refused).
func (in *input) order(stream, id, amount string) *input {
	fmt.Fprintf(&in.b, `{"type":"RECORD","record":{"stream":%q,"data":{"id":%q,"type":"order_created","timestamp_ms":%d,"action_source":"web","source_url":"https://shop.example.com/done","data":{"type":"contents","amount":%s,"currency":"USD"}},"emitted_at":%d}}`+"\n",
		stream, id, in.now, amount, in.now)
	return in
}

func (in *input) streamState(stream string, id int) *input {
	fmt.Fprintf(&in.b, `{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":%q},"stream_state":{"cursor":%d}},"sourceStats":{"recordCount":1.0},"id":%d}}`+"\n", stream, id, id)
	return in
}

func (in *input) globalState(id int) *input {
	fmt.Fprintf(&in.b, `{"type":"STATE","state":{"type":"GLOBAL","global":{"shared_state":{"lsn":%d},"stream_states":[]},"id":%d}}`+"\n", id, id)
	return in
}

// writeResult is what one write printed, sorted by kind.
type writeResult struct {
	err    error
	lines  []string
	states []map[string]any
	traces []*protocol.ErrorTrace
	logs   []string
}

func (r *writeResult) stateIDs() []float64 {
	var ids []float64
	for _, s := range r.states {
		ids = append(ids, s["id"].(float64))
	}
	return ids
}

func (r *writeResult) stats(i int) (delivered, rejected float64) {
	st := r.states[i]["destinationStats"].(map[string]any)
	rejected, _ = st["rejectedRecordCount"].(float64) // left out when zero
	return st["recordCount"].(float64), rejected
}

// writeFiles starts a server for api and writes a config (the defaults, then cfg) and a
// catalog for it. It returns write's arguments.
func writeFiles(t *testing.T, api *fakeapi.API, cfg map[string]any, catalog string) []string {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(func() { api.Close(); srv.Close() })
	return writeFilesFor(t, srv.URL, cfg, catalog)
}

// writeFilesFor writes a config for the API at url (the defaults, then cfg) and a catalog. It
// returns write's arguments.
func writeFilesFor(t *testing.T, url string, cfg map[string]any, catalog string) []string {
	t.Helper()
	conf := map[string]any{
		"api_key": writeTestKey, "continue_on_errors": true, "default_pixel_id": "px-default",
		"conversions_api_base_url": url, "ads_api_base_url": url,
	}
	maps.Copy(conf, cfg)
	dir := t.TempDir()
	cfgPath, catPath := filepath.Join(dir, "config.json"), filepath.Join(dir, "catalog.json")
	raw, err := json.Marshal(conf)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfgPath, raw, 0o600))
	require.NoError(t, os.WriteFile(catPath, []byte(catalog), 0o600))
	return []string{"write", "--config", cfgPath, "--catalog", catPath}
}

// writeScenario runs write in-process against the fake API.
func writeScenario(t *testing.T, api *fakeapi.API, cfg map[string]any, catalog string, stdin string) *writeResult {
	t.Helper()
	return runWriteCommand(t, writeFiles(t, api, cfg, catalog), stdin, nil)
}

// runWriteCommand runs write in-process with args and the clock now (nil for time.Now), and
// sorts what it printed.
func runWriteCommand(t *testing.T, args []string, stdin string, now func() time.Time) *writeResult {
	t.Helper()
	var stdout bytes.Buffer
	err := Run(context.Background(), args, Env{Stdin: strings.NewReader(stdin), Stdout: &stdout, Version: "test", Now: now})
	return parseWriteOutput(t, &stdout, err)
}

// parseWriteOutput sorts what a write printed on stdout, and checks that every line is a
// protocol message and that the key never appears.
func parseWriteOutput(t *testing.T, stdout *bytes.Buffer, err error) *writeResult {
	t.Helper()
	res := &writeResult{err: err}
	assert.NotContains(t, stdout.String(), writeTestKey)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		res.lines = append(res.lines, line)
		var m protocol.Message
		require.NoError(t, json.Unmarshal([]byte(line), &m), "every stdout line is a protocol message: %s", line)
		switch m.Type {
		case protocol.TypeState:
			var s map[string]any
			require.NoError(t, json.Unmarshal(m.State.Raw(), &s))
			res.states = append(res.states, s)
		case protocol.TypeTrace:
			res.traces = append(res.traces, m.Trace.Error)
		case protocol.TypeLog:
			res.logs = append(res.logs, m.Log.Message)
		default:
			t.Fatalf("write printed a %s message", m.Type)
		}
	}
	return res
}

func newFake(pixels ...string) *fakeapi.API {
	return fakeapi.New(fakeapi.Options{
		Keys:       map[string]fakeapi.KeyKind{writeTestKey: fakeapi.KeyBoth},
		Pixels:     fakeapi.WebPixels(pixels...),
		KeepEvents: true,
	})
}

func catalogOf(streams ...string) string {
	var parts []string
	for _, s := range streams {
		name, object, _ := strings.Cut(s, "→")
		parts = append(parts, fmt.Sprintf(`{"stream":{"name":%q,"json_schema":{}},"sync_mode":"incremental","destination_sync_mode":"append","destination_object_name":%q}`, name, object))
	}
	return `{"streams":[` + strings.Join(parts, ",") + `]}`
}

// deliveredIDs maps each pixel to the ids the fake accepted for it.
func deliveredIDs(api *fakeapi.API) map[string][]string {
	out := map[string][]string{}
	for _, e := range api.Events() {
		out[e.PixelID] = append(out[e.PixelID], e.ID)
	}
	return out
}

func TestWriteDeliversEveryStreamToItsPixelAndEchoesStatesWithStats(t *testing.T) {
	api := newFake("px-default", "px-leads")
	in := newInput().
		order("orders", "o1", "12999").lead("leads", "l1").
		streamState("orders", 1).
		order("orders", "o2", "500").lead("leads", "l2").lead("leads", "l3").
		streamState("leads", 2).
		globalState(3)
	res := writeScenario(t, api, nil, catalogOf("orders", "leads→px-leads"), in.b.String())
	require.NoError(t, res.err)
	assert.Empty(t, res.traces)
	assert.ElementsMatch(t, []string{"o1", "o2"}, deliveredIDs(api)["px-default"])
	assert.ElementsMatch(t, []string{"l1", "l2", "l3"}, deliveredIDs(api)["px-leads"])
	ids := res.stateIDs()
	require.ElementsMatch(t, []float64{1, 2, 3}, ids, "each state once")
	assert.Equal(t, float64(3), ids[2], "the global state after the stream states read before it")
	for i, id := range ids {
		want := map[float64][2]float64{1: {1, 0}, 2: {3, 0}, 3: {5, 0}}[id]
		d, r := res.stats(i)
		assert.Equal(t, want, [2]float64{d, r}, "state %v: orders since the last orders state; leads since the last leads state; all since the last global", id)
		if id == 1 {
			assert.Equal(t, float64(1), res.states[i]["sourceStats"].(map[string]any)["recordCount"], "fields are echoed untouched")
		}
	}
	for _, e := range api.Events() {
		assert.NotContains(t, string(e.Raw), "Example.com", "no plaintext email reaches the API")
	}
}

func TestWriteRejectsBadRecordsAndGoesOnWhenAskedTo(t *testing.T) {
	api := newFake("px-default")
	in := newInput().order("orders", "o1", "12999").order("orders", "o2", "129.99").order("orders", "o3", "1").streamState("orders", 1)
	res := writeScenario(t, api, nil, catalogOf("orders"), in.b.String())
	require.NoError(t, res.err)
	assert.ElementsMatch(t, []string{"o1", "o3"}, deliveredIDs(api)["px-default"])
	require.Len(t, res.states, 1)
	d, r := res.stats(0)
	assert.Equal(t, [2]float64{2, 1}, [2]float64{d, r})
	joined := strings.Join(res.logs, "\n")
	assert.Contains(t, joined, `stream "orders" record 2: data.amount: amount_integer`)
	assert.Contains(t, joined, "USD has 2 decimals, so multiply by 100", "the hint gives the rule, not the value")
	assert.Contains(t, joined, "amount_integer: 1", "the summary counts rejections by reason")
}

func TestWriteFailsOnTheFirstBadRecordWhenNotContinuing(t *testing.T) {
	api := newFake("px-default")
	in := newInput().order("orders", "o1", "100").streamState("orders", 1).
		order("orders", "o2", "129.99").streamState("orders", 2).
		order("orders", "o3", "100").streamState("orders", 3)
	res := writeScenario(t, api, map[string]any{"continue_on_errors": false}, catalogOf("orders"), in.b.String())
	var reported *ReportedError
	require.ErrorAs(t, res.err, &reported)
	require.Len(t, res.traces, 1, "exactly one error trace")
	assert.Equal(t, protocol.ConfigError, res.traces[0].FailureType)
	assert.Contains(t, res.traces[0].Message, `stream "orders" record 2`)
	assert.Equal(t, "orders", res.traces[0].StreamDescriptor.Name)
	assert.Equal(t, []float64{1}, res.stateIDs(), "the state before the bad record is echoed, none after")
	assert.NotContains(t, deliveredIDs(api)["px-default"], "o3", "nothing after the bad record is sent")
}

func TestWriteIsolatesAPoisonEventInAFullBatch(t *testing.T) {
	for _, continueOnErrors := range []bool{true, false} {
		t.Run(fmt.Sprintf("continue_on_errors=%v", continueOnErrors), func(t *testing.T) {
			api := newFake("px-default")
			api.Poison("l537")
			in := newInput()
			for i := 1; i <= 1000; i++ {
				in.lead("leads", fmt.Sprintf("l%d", i))
			}
			in.streamState("leads", 1)
			res := writeScenario(t, api, map[string]any{"continue_on_errors": continueOnErrors}, catalogOf("leads"), in.b.String())
			ids := deliveredIDs(api)["px-default"]
			assert.Len(t, ids, 999, "every good event of the poisoned batch is delivered")
			assert.NotContains(t, ids, "l537")
			if continueOnErrors {
				require.NoError(t, res.err)
				require.Len(t, res.states, 1)
				d, r := res.stats(0)
				assert.Equal(t, [2]float64{999, 1}, [2]float64{d, r})
				assert.Contains(t, strings.Join(res.logs, "\n"), `stream "leads" record 537: poisoned_event: refused by the OpenAI API (HTTP 400, at id)`,
					"the rule is the API's code; the field is named without the batch's index")
				assert.Equal(t, int64(2), api.Stats().Requests, "the refused event is named: the rest is sent once more, no halving")
				return
			}
			require.Error(t, res.err)
			require.Len(t, res.traces, 1)
			assert.Equal(t, protocol.ConfigError, res.traces[0].FailureType)
			assert.Contains(t, res.traces[0].Message, "record 537")
			assert.Empty(t, res.states, "the state covers the refused record")
		})
	}
}

// The retries run on the fake clock of a synctest bubble: the backoff, the Retry-After pause
// and the retry budget are waited for without a real second passing.
func TestWriteRetriesThroughRateLimitsAndServerErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newFake("px-default")
		api.Script(
			fakeapi.Fault{Kind: fakeapi.FaultRateLimit, Path: "/v1/events", RetryAfter: time.Second},
			fakeapi.Fault{Kind: fakeapi.FaultRateLimitNoRetryAfter, Path: "/v1/events"},
			fakeapi.Fault{Kind: fakeapi.FaultUnavailable, Path: "/v1/events"},
			fakeapi.Fault{Kind: fakeapi.FaultResetMidBody, Path: "/v1/events"},
		)
		in := newInput().lead("leads", "a").lead("leads", "b").globalState(1)
		start := time.Now()
		res := writeInBubble(t, t.Context(), api, nil, catalogOf("leads"), strings.NewReader(in.b.String()), nil)
		require.NoError(t, res.err)
		assert.ElementsMatch(t, []string{"a", "b"}, deliveredIDs(api)["px-default"], "delivered once, after four failures")
		assert.Equal(t, []float64{1}, res.stateIDs())
		assert.Contains(t, strings.Join(res.logs, "\n"), "4 retries, 2 rate-limited (429)")
		assert.GreaterOrEqual(t, time.Since(start), time.Second, "the Retry-After pause was waited for, on the bubble's clock")
	})
}

func TestWriteFailsWithATransientErrorWhenTheRetryBudgetRunsOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newFake("px-default")
		api.Script(fakeapi.Fault{Kind: fakeapi.FaultInternal, Path: "/v1/events", Times: 1000})
		in := newInput().lead("leads", "a").globalState(1)
		start := time.Now()
		res := writeInBubble(t, t.Context(), api, map[string]any{"max_retry_seconds": 30, "continue_on_errors": false}, catalogOf("leads"), strings.NewReader(in.b.String()), nil)
		require.Error(t, res.err)
		require.Len(t, res.traces, 1)
		assert.Equal(t, protocol.TransientError, res.traces[0].FailureType)
		assert.Contains(t, res.traces[0].Message, "retry budget of 30s ran out")
		assert.Empty(t, res.states)
		elapsed := time.Since(start)
		assert.True(t, elapsed >= 30*time.Second && elapsed < 31*time.Second, "gave up at the end of the budget: %s", elapsed)
	})
}

func TestWriteFailsAtOnceWhenTheKeyIsRefused(t *testing.T) {
	api := newFake("px-default")
	api.Script(fakeapi.Fault{Kind: fakeapi.FaultEchoAuth, Path: "/v1/events", Status: 401})
	in := newInput().lead("leads", "a").globalState(1)
	res := writeScenario(t, api, nil, catalogOf("leads"), in.b.String())
	require.Error(t, res.err)
	require.Len(t, res.traces, 1)
	assert.Equal(t, protocol.ConfigError, res.traces[0].FailureType)
	assert.Contains(t, res.traces[0].Message, "Conversions API key")
	assert.Empty(t, res.states)
}

func TestWriteRefusesConfigurationsItCannotHonour(t *testing.T) {
	api := newFake("px-default")
	overwrite := `{"streams":[{"stream":{"name":"orders","json_schema":{}},"sync_mode":"full_refresh","destination_sync_mode":"overwrite"}]}`
	res := writeScenario(t, api, nil, overwrite, newInput().lead("orders", "a").b.String())
	require.Error(t, res.err)
	require.Len(t, res.traces, 1)
	assert.Equal(t, protocol.ConfigError, res.traces[0].FailureType)
	assert.Contains(t, res.traces[0].Message, "overwrite")

	res = writeScenario(t, api, map[string]any{"default_pixel_id": nil}, catalogOf("orders"), newInput().lead("orders", "a").b.String())
	require.Len(t, res.traces, 1)
	assert.Contains(t, res.traces[0].Message, `No pixel for stream(s) "orders"`, "a message starts in upper case")
	assert.Empty(t, api.Events(), "no record is read when a stream has no pixel")
}

func TestWriteIgnoresStreamsOutsideTheCatalogWithOneWarning(t *testing.T) {
	api := newFake("px-default")
	in := newInput().lead("ghost", "g1").lead("ghost", "g2").lead("leads", "a").globalState(1)
	res := writeScenario(t, api, nil, catalogOf("leads"), in.b.String())
	require.NoError(t, res.err)
	assert.Equal(t, []string{"a"}, deliveredIDs(api)["px-default"])
	warnings := 0
	for _, l := range res.logs {
		if strings.Contains(l, `"ghost" are ignored`) {
			warnings++
		}
	}
	assert.Equal(t, 1, warnings)
	d, _ := res.stats(0)
	assert.Equal(t, float64(1), d)
}

func TestWriteEchoesAStateWhoseBatchIsPartialBeforeTheInputEnds(t *testing.T) {
	api := newFake("px-default")
	args := writeFiles(t, api, nil, catalogOf("leads"))
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), args, Env{Stdin: stdinR, Stdout: stdoutW, Version: "test"})
		stdoutW.Close()
	}()
	go func() { _, _ = io.WriteString(stdinW, newInput().lead("leads", "a").globalState(7).b.String()) }()

	// The input stays open: the one-event batch must still go out, and the state come back.
	sc := bufio.NewScanner(stdoutR)
	echoed := false
	for !echoed && sc.Scan() {
		echoed = strings.Contains(sc.Text(), `"type":"STATE"`) && strings.Contains(sc.Text(), `"recordCount":1.0`)
	}
	require.True(t, echoed, "the state was echoed while stdin was still open")
	assert.Equal(t, []string{"a"}, deliveredIDs(api)["px-default"])
	require.NoError(t, stdinW.Close())
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	require.NoError(t, <-done)
}

func TestWriteInValidateOnlyModeEchoesNoState(t *testing.T) {
	api := newFake("px-default")
	in := newInput().lead("leads", "a").lead("leads", "b").globalState(1)
	res := writeScenario(t, api, map[string]any{"validate_only": true}, catalogOf("leads"), in.b.String())
	require.NoError(t, res.err)
	assert.Empty(t, res.states, "a dry run must not move the platform's checkpoint")
	assert.Empty(t, api.Events(), "OpenAI stores nothing in validate-only mode")
	assert.Equal(t, int64(1), api.Stats().ValidateOnly)
	assert.Contains(t, strings.Join(res.logs, "\n"), "no state is echoed")
}

// The fake API never refuses the request itself (the pid parameter, the events wrapper): those
// answers are scripted; its real unknown-pixel answer is its own.
func TestWriteDoesNotSplitARefusalOfTheRequestItself(t *testing.T) {
	cases := []struct {
		name  string
		api   func() (http.Handler, func() int64) // the API and its count of requests
		kind  protocol.FailureType
		words string
	}{
		{"the pixel", scripted(400, `{"error":{"message":"Invalid pixel id","type":"invalid_request_error","param":"pid","code":null}}`), protocol.ConfigError, "Pixel ID"},
		{"the events wrapper", scripted(400, `{"error":{"message":"Missing required field: events","type":"invalid_request_error","param":"events","code":null}}`), protocol.SystemError, "refused the request itself"},
		{"an unknown pixel", func() (http.Handler, func() int64) {
			api := newFake("px-other")
			return api, func() int64 { return api.Stats().Requests }
		}, protocol.ConfigError, `Pixel ID \"p\" is unknown`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				api, requests := c.api()
				in := newInput()
				for i := range 64 {
					in.lead("leads", fmt.Sprint(i))
				}
				in.globalState(1)
				res := writeInBubble(t, t.Context(), api, map[string]any{"default_pixel_id": "p"}, catalogOf("leads"), strings.NewReader(in.b.String()), nil)
				require.Error(t, res.err)
				assert.Equal(t, int64(1), requests(), "no split: every half would be refused the same way")
				assert.Empty(t, res.states, "no record was delivered")
				require.Len(t, res.traces, 1)
				assert.Equal(t, c.kind, res.traces[0].FailureType)
				assert.Contains(t, strings.Join(res.lines, "\n"), c.words)
			})
		})
	}
}

// scripted is an API that gives every request one canned answer, with its count of requests.
func scripted(status int, body string) func() (http.Handler, func() int64) {
	return func() (http.Handler, func() int64) {
		f := &scriptedAnswers{answers: []cannedAnswer{{status, body}}}
		return f, func() int64 { return int64(len(f.requests())) }
	}
}

// A user value that fails its rule is dropped, warned about once per stream, field and
// reason, and counted in the summary; the event is still delivered, default
// action_source included.
func TestWriteDropsAndCountsIdentityValuesThatFailTheirRule(t *testing.T) {
	api := newFake("px-default")
	in := newInput()
	for i, user := range []string{
		`{"email":"not-an-address","phone":"+1 415 555 0134"}`,
		`{"email":"also-not-an-address"}`,
		`{"email":"` + strings.Repeat("AB", 32) + `","phones":["x"]}`,
	} {
		fmt.Fprintf(&in.b, `{"type":"RECORD","record":{"stream":"leads","data":{"id":"l%d","type":"lead_created","timestamp_ms":%d,"user":%s},"emitted_at":%d}}`+"\n",
			i, in.now, user, in.now)
	}
	in.streamState("leads", 1)
	res := writeScenario(t, api, map[string]any{"default_action_source": "phone_call"}, catalogOf("leads"), in.b.String())
	require.NoError(t, res.err)
	assert.ElementsMatch(t, []string{"l0", "l1", "l2"}, deliveredIDs(api)["px-default"])
	count := func(sub string) int {
		n := 0
		for _, l := range res.logs {
			if strings.Contains(l, sub) {
				n++
			}
		}
		return n
	}
	assert.Equal(t, 1, count(`user.email: is not an e-mail address`), "once per stream, field and reason")
	assert.Equal(t, 1, count(`user.email: holds SHA-256 digests`), "another reason for the same field is said too")
	assert.Equal(t, 1, count(`user.phones: not a documented user field`))
	assert.Equal(t, 1, count(`Stream "leads": 2 user identity values not sent`), "the summary counts the values that failed their rule")
	for _, l := range res.logs {
		assert.NotContains(t, l, "not-an-address", "no value is quoted")
	}
	for _, e := range api.Events() {
		assert.Contains(t, string(e.Raw), `"action_source":"phone_call"`)
	}
}
