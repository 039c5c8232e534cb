package e2e

import (
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// The streams of the happy path, one per way of choosing a pixel.
var (
	// orders names its pixel in the catalog (data activation), which wins over stream_pixels.
	ordersStream = stream{name: "orders", namespace: "shop", pixel: "pxl_orders", objectName: "pxl_orders"}
	// leads gets its pixel from stream_pixels.
	leadsStream = stream{name: "leads", pixel: "pxl_leads"}
	// visits gets default_pixel_id.
	visitsStream = stream{name: "visits", namespace: "web", pixel: "pxl_default"}
	// odd has a name and namespace with characters that need care in JSON and logs.
	oddStream = stream{name: `Ünïcode "quoted" / spaced\name`, namespace: "ns.with dots", pixel: "pxl_odd", objectName: "pxl_odd"}
)

// pixelSetup starts a fake with the four pixels of the happy-path streams, configures the
// default and per-stream pixels, applies mod, and returns write's arguments.
func pixelSetup(t *testing.T, mod config) (*fake, []string) {
	t.Helper()
	f := startFake(t, fakeapi.WebPixels("pxl_orders", "pxl_leads", "pxl_default", "pxl_odd"), nil)
	cfg := baseConfig(f, keyBoth)
	cfg["default_pixel_id"] = "pxl_default"
	cfg["stream_pixels"] = []map[string]string{
		{"stream_name": "leads", "pixel_id": "pxl_leads"},
		{"stream_name": "orders", "stream_namespace": "shop", "pixel_id": "pxl_leads"}, // the catalog wins
	}
	maps.Copy(cfg, mod)
	return f, writeArgs(t, cfg, catalogOf(ordersStream, leadsStream, visitsStream, oddStream))
}

// writeArgs writes the config and catalog files and returns write's command line.
func writeArgs(t *testing.T, cfg config, catalog map[string]any) []string {
	t.Helper()
	return []string{"write", "--config", connectortest.WriteFile(t, "config.json", cfg), "--catalog", connectortest.WriteFile(t, "catalog.json", catalog)}
}

// rounds builds an input of several rounds of records of the four streams, each round
// closed by a state per stream or by one global state. It starts with a state of a stream
// that has no records yet, has one record of 200 KB, and ends with lines the connector must
// skip.
func rounds(global bool, n int) *input {
	in := newInput()
	all := []stream{ordersStream, leadsStream, visitsStream, oddStream}
	if global {
		in.globalState(all...)
	} else {
		in.streamState(visitsStream)
	}
	for round := range n {
		in.records(ordersStream, 700+round)
		in.records(leadsStream, 300)
		if round == 0 {
			in.bigRecord(leadsStream, 200<<10)
		}
		in.records(visitsStream, 40)
		in.records(oddStream, 25)
		if global {
			in.globalState(all...)
			continue
		}
		for _, s := range all {
			in.streamState(s)
		}
	}
	in.other(`{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1767225600000.0,"stream_status":{"stream_descriptor":{"name":"leads"},"status":"COMPLETE"}}}`)
	in.other(`{"type":"LOG","log":{"level":"INFO","message":"from the source"}}`)
	return in
}

func TestWriteDeliversEveryStreamToItsPixelExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, global := range []bool{false, true} {
		name := map[bool]string{false: "stream states", true: "global states"}[global]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, args := pixelSetup(t, nil)
			in := rounds(global, 3)
			r := run(t, in.bytes(0), args...)

			assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
			checkWrite(t, f, in, r)
			assertExactlyOnce(t, f, in)
		})
	}
}

func TestWriteRetriesThroughTransientFaults(t *testing.T) {
	t.Parallel()
	events := "/v1/events"
	tests := []struct {
		name   string
		long   bool // more than a few seconds
		config config
		faults []fakeapi.Fault
	}{
		{name: "429 with Retry-After", faults: []fakeapi.Fault{
			{Kind: fakeapi.FaultRateLimit, Path: events, RetryAfter: time.Second, Times: 2}}},
		{name: "429 without Retry-After", faults: []fakeapi.Fault{
			{Kind: fakeapi.FaultRateLimitNoRetryAfter, Path: events, Times: 3}}},
		{name: "5xx that recovers", faults: []fakeapi.Fault{
			{Kind: fakeapi.FaultInternal, Path: events},
			{Kind: fakeapi.FaultBadGateway, Path: events},
			{Kind: fakeapi.FaultUnavailable, Path: events},
			{Kind: fakeapi.FaultEchoAuth, Path: events, Status: 500}}},
		{name: "slow answer past the request timeout", config: config{"request_timeout_seconds": 1}, faults: []fakeapi.Fault{
			{Kind: fakeapi.FaultLatency, Path: events, Delay: 2 * time.Second}}},
		{name: "dropped connections", faults: []fakeapi.Fault{
			{Kind: fakeapi.FaultReset, Path: events},
			{Kind: fakeapi.FaultResetMidBody, Path: events}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.long && testing.Short() {
				t.Skip("long scenario")
			}
			f, args := pixelSetup(t, tt.config)
			f.api.Script(tt.faults...)
			in := rounds(false, 2)
			r := run(t, in.bytes(0), args...)

			assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
			checkWrite(t, f, in, r)
			st := assertExactlyOnce(t, f, in)
			want := map[fakeapi.FaultKind]int64{}
			for _, fault := range tt.faults {
				want[fault.Kind] += int64(max(fault.Times, 1))
			}
			for kind, n := range want {
				assert.Equal(t, n, st.Faults[kind], "faults of kind %s served (each one retried)", kind)
			}
		})
	}
}

func TestWriteFailsWithATransientErrorWhenServerErrorsOutlastTheBudget(t *testing.T) {
	t.Parallel()
	good := stream{name: "good", pixel: "pxl_good"}
	bad := stream{name: "bad", pixel: "pxl_bad"}
	f := startFake(t, fakeapi.WebPixels("pxl_good", "pxl_bad"), nil)
	f.api.Script(fakeapi.Fault{Kind: fakeapi.FaultInternal, PixelID: "pxl_bad", Times: 1000})
	cfg := baseConfig(f, keyBoth)
	cfg["max_retry_seconds"] = 1
	cfg["batch_size"] = 100
	cfg["stream_pixels"] = []map[string]string{{"stream_name": "good", "pixel_id": "pxl_good"}, {"stream_name": "bad", "pixel_id": "pxl_bad"}}
	p := start(t, writeArgs(t, cfg, catalogOf(good, bad))...)

	in := newInput().records(good, 100).streamState(good)
	first := len(in.msgs)
	in.records(bad, 100).streamState(bad).records(good, 100).streamState(good)
	p.Send(in.lines(0, first)...)
	assert.True(t, p.WaitForLine(20*time.Second, isState(1)), "the good stream's first state is echoed while the input is open")
	p.Send(in.lines(first, len(in.msgs))...)
	p.CloseInput()
	r := p.Wait()

	echoed := checkFailedWrite(t, f, in, r, "transient_error", "pxl_bad")
	assert.NotContains(t, stateIDs(echoed), 2, "the state of the undelivered stream is not echoed")
	assert.Zero(t, f.api.Stats().Duplicates)
}

// isState matches the echo of the input state with id.
func isState(id int) func(connectortest.Line) bool {
	return func(l connectortest.Line) bool {
		m := connectortest.ParseMessage(l)
		if m.Type != "STATE" {
			return false
		}
		got := connectortest.Decode[struct {
			ID int `json:"id"`
		}](m.State)
		return got != nil && got.ID == id
	}
}

func TestWriteIsolatesAPoisonEventInAFullBatch(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	build := func() (*input, *inRecord) {
		in := newInput().records(s, 1000).streamState(s).records(s, 499)
		poison := in.record(s) // record 1500, in the middle of the second full batch
		poison.refused = true
		in.records(s, 500).streamState(s).records(s, 200).streamState(s)
		return in, poison
	}
	eachErrorMode(t, func(t *testing.T, continueOnErrors bool) {
		f, cfg := defaultPixelSetup(t)
		in, poison := build()
		require.Equal(t, 1500, poison.number)
		f.api.Poison(poison.id)
		r := runRefusals(t, f, cfg, in, s, continueOnErrors, refusals{recorded: 999, rejected: 1, first: 1500})
		if continueOnErrors {
			assert.True(t, containsAll(r.Logs("WARN"), "record 1500", "conversions"), "the rejection is logged naming stream and record; logs: %q", r.Logs("WARN"))
			return
		}
		if sd := r.ErrorTraces()[0].Trace.Error.StreamDescriptor; assert.NotNil(t, sd) {
			assert.Equal(t, "conversions", sd.Name)
		}
		assert.Zero(t, f.api.Stats().Duplicates)
	})
}

// refusals is what a sync that meets refused records in its second of three states
// reports: the second state's counts and the first refused record.
type refusals struct {
	recorded, rejected float64 // the second echoed state's destinationStats
	first              int     // the record number of the first refused record
}

// runRefusals runs in on s with continue_on_errors as given, and checks what both modes
// share: with it, exit 0, every deliverable record delivered exactly once and the second
// of three echoed states counting want's records; without it, exit 1 with a config_error
// naming the stream and the first refused record, and only the state before it echoed.
func runRefusals(t *testing.T, f *fake, cfg config, in *input, s stream, continueOnErrors bool, want refusals) *connectortest.Result {
	t.Helper()
	cfg["continue_on_errors"] = continueOnErrors
	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)
	if continueOnErrors {
		assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
		echoed := checkWrite(t, f, in, r)
		assertExactlyOnce(t, f, in)
		if assert.Len(t, echoed, 3) {
			assert.Equal(t, [2]float64{want.recorded, want.rejected}, [2]float64{echoed[1].recorded, echoed[1].rejected},
				"the second state counts the records delivered and rejected")
		}
		return r
	}
	echoed := checkFailedWrite(t, f, in, r, "config_error", strconv.Quote(s.name), "record "+strconv.Itoa(want.first))
	assert.Equal(t, []int{1}, stateIDs(echoed), "the state before the first refusal is echoed, none after it")
	return r
}

// containsAll tells whether one of texts contains every part.
func containsAll(texts []string, parts ...string) bool {
	for _, text := range texts {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(text, p)
		}
		if all {
			return true
		}
	}
	return false
}

func TestWriteFailsWithAConfigErrorWhenTheKeyIsRefusedMidSync(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	cfg["batch_size"] = 100
	p := start(t, writeArgs(t, cfg, catalogOf(s))...)

	in := newInput().records(s, 100).streamState(s)
	first := len(in.msgs)
	in.records(s, 250).streamState(s).records(s, 100).streamState(s)
	p.Send(in.lines(0, first)...)
	require.True(t, p.WaitForLine(20*time.Second, isState(1)), "the first state is echoed while the input is open")
	// From now on the key is refused, and the refusal quotes the Authorization header.
	f.api.Script(fakeapi.Fault{Kind: fakeapi.FaultEchoAuth, Path: "/v1/events", Status: 401, Times: 1000})
	p.Send(in.lines(first, len(in.msgs))...)
	p.CloseInput()
	r := p.Wait()

	echoed := checkFailedWrite(t, f, in, r, "config_error", "401")
	assert.Equal(t, []int{1}, stateIDs(echoed), "only the state delivered before the refusal is echoed")
	st := f.api.Stats()
	assert.Equal(t, int64(100), st.EventsAccepted)
	assert.LessOrEqual(t, st.Faults[fakeapi.FaultEchoAuth], int64(4), "a refused key is not retried: at most one attempt per batch of the 350 later records")
}

func TestWriteRefusesAStreamWithoutAPixel(t *testing.T) {
	t.Parallel()
	s := stream{name: "orphans"}
	f := startFake(t, fakeapi.WebPixels("pxl_default"), nil)
	in := newInput().records(s, 3).streamState(s)
	r := run(t, in.bytes(0), writeArgs(t, baseConfig(f, keyBoth), catalogOf(s))...)

	checkFailedWrite(t, f, in, r, "config_error", `"orphans"`)
	assert.Empty(t, r.OfType("STATE"))
	assert.Zero(t, f.api.Stats().Requests)
}

func TestWriteRejectsRecordsItCannotSend(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	eachErrorMode(t, func(t *testing.T, continueOnErrors bool) {
		f, cfg := defaultPixelSetup(t)
		in := newInput().records(s, 20).streamState(s).records(s, 5)
		bad := in.invalidRecords(s)
		in.records(s, 5).streamState(s).records(s, 3).streamState(s)
		r := runRefusals(t, f, cfg, in, s, continueOnErrors, refusals{recorded: 10, rejected: float64(len(bad)), first: 26})
		if continueOnErrors {
			for _, b := range bad {
				assert.True(t, containsAll(r.Logs("WARN"), "record "+strconv.Itoa(b.number)), "rejection of record %d logged; logs: %q", b.number, r.Logs("WARN"))
			}
			assert.Zero(t, f.api.Stats().BatchesRejected, "refused records are not sent")
		}
	})
}

// A state whose records fill no batch is echoed after the flush interval, while the input
// is still open: a slow source's checkpoints are not held back until the end.
func TestWriteEchoesAStateOfAPartialBatchWhileTheInputIsOpen(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	p := start(t, writeArgs(t, cfg, catalogOf(s))...)

	in := newInput().records(s, 7).streamState(s)
	p.Send(in.lines(0, len(in.msgs))...)
	assert.True(t, p.WaitForLine(10*time.Second, isState(1)), "the state is echoed before the input ends")
	p.CloseInput()
	r := p.Wait()

	assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	checkWrite(t, f, in, r)
	assertExactlyOnce(t, f, in)
}

func TestWriteEchoesStatesWithoutRecords(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	args := writeArgs(t, cfg, catalogOf(s))

	in := newInput().streamState(s).streamState(s).globalState(s)
	r := run(t, in.bytes(0), args...)
	assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	for _, e := range checkWrite(t, f, in, r) {
		assert.Zero(t, e.recorded+e.rejected)
	}

	empty := run(t, nil, args...)
	assert.Equal(t, 0, empty.Exit, "an empty input is a sync with nothing to do; stdout:\n%s", empty.Stdout)
	checkWrite(t, f, newInput(), empty)
	assert.Zero(t, f.api.Stats().Requests)
}

func TestWriteFailsOnAnInputLineThatIsNotAMessage(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	in := newInput().records(s, 5).streamState(s).other(`{"type":"RECORD","record":{"stream":"conversions","data":`).records(s, 5).streamState(s)
	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)

	echoed := checkFailedWrite(t, f, in, r, "system_error", "line 7")
	assert.NotContains(t, stateIDs(echoed), 2, "no state after the bad line")
}

func TestWriteFailsWithAConfigErrorWhenAPixelIsRefused(t *testing.T) {
	t.Parallel()
	good := stream{name: "good", pixel: "pxl_default"}
	gone := stream{name: "gone", pixel: "pxl_gone", objectName: "pxl_gone"} // not the account's
	f, cfg := defaultPixelSetup(t)
	in := newInput().records(good, 10).records(gone, 10).streamState(good).streamState(gone)
	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(good, gone))...)

	echoed := checkFailedWrite(t, f, in, r, "config_error", "pxl_gone")
	assert.NotContains(t, stateIDs(echoed), 2, "the refused pixel's state is not echoed")
}

// A STREAM state of a stream the catalog does not name counts no records: that stream has
// none here (the platform would log an invalid checksum otherwise).
func TestStateOfAStreamOutsideTheCatalogCountsNoRecords(t *testing.T) {
	t.Parallel()
	a := stream{name: "a", pixel: "pxl_default"}
	z := stream{name: "z", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	in := newInput().records(a, 5).streamState(a).records(a, 3).streamState(z).streamState(a)
	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(a))...)

	assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	checkWrite(t, f, in, r)
}

// eachErrorMode runs test twice in parallel subtests: with continue_on_errors on, and off.
func eachErrorMode(t *testing.T, test func(t *testing.T, continueOnErrors bool)) {
	t.Helper()
	for _, continueOnErrors := range []bool{true, false} {
		name := map[bool]string{true: "continue on errors", false: "fail on the first refusal"}[continueOnErrors]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, continueOnErrors)
		})
	}
}
