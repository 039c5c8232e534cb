package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// A sync stopped by SIGTERM while its input is still open exits 143, having echoed only
// states whose records were delivered; the next sync, which the platform starts from the
// last echoed state, delivers every remaining record (records delivered but not checkpointed
// are sent again and deduplicated by the API on their deterministic ids).
func TestWriteStoppedBySIGTERMResumesFromTheLastEchoedState(t *testing.T) {
	if testing.Short() {
		t.Skip("long scenario: a stop, its grace period and a rerun")
	}
	t.Parallel()
	conversions := stream{name: "conversions", pixel: "pxl_default"}
	leads := stream{name: "leads", pixel: "pxl_leads"}
	f := startFake(t, fakeapi.WebPixels("pxl_default", "pxl_leads"), nil)
	cfg := baseConfig(f, keyBoth)
	cfg["default_pixel_id"] = "pxl_default"
	cfg["stream_pixels"] = []map[string]string{{"stream_name": "leads", "pixel_id": "pxl_leads"}}
	cfg["batch_size"] = 100
	args := writeArgs(t, cfg, catalogOf(conversions, leads))

	// 20 batches of 100 records, each followed by a state of its stream.
	in := newInput()
	var ends []int // ends[b] is the index just after batch b's state
	for b := range 20 {
		s := []stream{conversions, leads}[b%2]
		in.records(s, 100).streamState(s)
		ends = append(ends, len(in.msgs))
	}

	p := start(t, args...)
	p.Send(in.lines(0, ends[7])...)
	require.True(t, p.WaitForLine(20*time.Second, isState(8)), "the eighth state is echoed while the input is open")
	// Half of batch 9 follows, without its state; its requests are slow, so they are in
	// flight when the signal comes.
	f.api.Script(fakeapi.Fault{Kind: fakeapi.FaultLatency, Path: "/v1/events", Delay: time.Second, Times: 2})
	p.Send(in.lines(ends[7], ends[7]+50)...)
	p.Signal(sigterm)
	stopped := p.Wait()

	assert.Equal(t, 143, stopped.Exit, "exit code after SIGTERM; stdout:\n%s", stopped.Stdout)
	echoed := checkWrite(t, f, in, stopped)
	require.NotEmpty(t, echoed)
	assert.ElementsMatch(t, []int{1, 2, 3, 4, 5, 6, 7, 8}, stateIDs(echoed), "the states sent were echoed, and no other")
	last := 8
	assert.True(t, containsAll(stopped.Logs("WARN"), "signal"), "the stop is logged; logs: %q", stopped.Logs("WARN"))

	// The rerun starts after the last echoed state and reads its input to the end.
	rest := in.slice(in.stateIndex(t, last) + 1)
	rerun := run(t, rest.bytes(0), args...)

	assert.Equal(t, 0, rerun.Exit, "exit code of the rerun; stdout:\n%s", rerun.Stdout)
	checkWrite(t, f, rest, rerun)
	assertAllDelivered(t, f, in)
	st := f.api.Stats()
	assert.Equal(t, int64(len(in.validRecords())), st.EventsAccepted, "every record stored once")
	t.Logf("records sent again after the stop and deduplicated by the API: %d", st.Duplicates)
}

// A sync waiting for input stops at once on SIGTERM.
func TestWriteStopsAtOnceOnSIGTERMWhileWaitingForInput(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	p := start(t, writeArgs(t, cfg, catalogOf(s))...)
	in := newInput().records(s, 10).streamState(s)
	p.Send(in.lines(0, len(in.msgs))...)
	require.True(t, p.WaitForLine(10*time.Second, isState(1)), "the state is echoed while the input is open")
	p.Signal(sigterm)
	r := p.Wait()

	assert.Equal(t, 143, r.Exit, "exit code after SIGTERM; stdout:\n%s", r.Stdout)
	assert.Equal(t, []int{1}, stateIDs(checkWrite(t, f, in, r)))
	assertExactlyOnce(t, f, in)
}

// SIGTERM stops a sync within its grace period even when the API is failing and reading
// stdin waits on back-pressure (the input loop's wait for room to dispatch ends with the
// signal; in-flight retries are cancelled when the grace period ends). The test shortens the
// grace through the binary's test-only environment knob; a binary without the knob takes its
// default grace, which the deadline allows for.
func TestSIGTERMStopsASyncWhoseInputWaitsOnBackPressure(t *testing.T) {
	t.Parallel()
	const grace, defaultGrace = time.Second, 20 * time.Second
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	f.api.Script(fakeapi.Fault{Kind: fakeapi.FaultInternal, Path: "/v1/events", Times: 1 << 30})
	cfg["batch_size"] = 10
	cfg["max_in_flight"] = 1 // one sender: the second batch waits for it
	p := startWith(t, connectortest.Options{Env: []string{graceEnv + "=" + grace.String()}}, writeArgs(t, cfg, catalogOf(s))...)
	in := newInput().records(s, 100).streamState(s)
	p.Send(in.lines(0, len(in.msgs))...)
	require.Eventually(t, func() bool { return f.api.Stats().Faults[fakeapi.FaultInternal] >= 2 }, 10*time.Second, 10*time.Millisecond,
		"the first batch is being retried")
	p.Signal(sigterm)

	select {
	case <-p.Done():
	case <-time.After(max(grace, defaultGrace) + 5*time.Second):
		t.Errorf("the connector did not stop within its grace period after SIGTERM")
		p.Kill()
	}
	r := p.Wait()
	assert.Equal(t, 143, r.Exit, "exit code after SIGTERM; stdout:\n%s", r.Stdout)
	checkWrite(t, f, in, r)
}

// graceEnv names the connector's test-only knob for its shutdown grace period (a Go duration).
const graceEnv = "OPENAI_ADS_DEST_SHUTDOWN_GRACE"

// SIGTERM after the end of input, while the last batches are still being sent, is a stopped
// sync (exit 143, no error trace), not an unfinished one.
func TestSIGTERMAfterTheEndOfInputIsAStop(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	f.api.Script(fakeapi.Fault{Kind: fakeapi.FaultLatency, Path: "/v1/events", Delay: time.Second})
	p := start(t, writeArgs(t, cfg, catalogOf(s))...)
	in := newInput().records(s, 5).streamState(s)
	p.Send(in.lines(0, len(in.msgs))...)
	p.CloseInput()
	require.Eventually(t, func() bool { return f.api.Stats().Requests > 0 }, 10*time.Second, 10*time.Millisecond, "the batch is in flight")
	p.Signal(sigterm)
	r := p.Wait()

	assert.Equal(t, 143, r.Exit, "exit code after SIGTERM; stdout:\n%s", r.Stdout)
	checkWrite(t, f, in, r) // no error trace, and the state echoed only if its batch landed
}

// On SIGTERM, the records already read are still sent within the grace period, in batches
// formed when the signal comes, and the states they cover are echoed. The state of a stream
// without records, echoed as soon as it is read, shows that the connector has read the state
// before it when the signal is sent.
func TestSIGTERMStillSendsTheBatchesAlreadyFormed(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	marker := stream{name: "marker", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	f.api.Script(fakeapi.Fault{Kind: fakeapi.FaultLatency, Path: "/v1/events", Delay: time.Second, Times: 3})
	cfg["max_in_flight"] = 1
	cfg["batch_size"] = 100
	p := start(t, writeArgs(t, cfg, catalogOf(s, marker))...)
	in := newInput().records(s, 150).streamState(s).streamState(marker)
	p.Send(in.lines(0, len(in.msgs))...) // the input stays open
	require.True(t, p.WaitForLine(10*time.Second, isState(2)), "the marker's state is echoed while the input is open")
	require.Eventually(t, func() bool { return f.api.Stats().Requests > 0 }, 10*time.Second, 10*time.Millisecond, "the first batch is in flight")
	p.Signal(sigterm)
	r := p.Wait()

	assert.Equal(t, 143, r.Exit, "exit code after SIGTERM; stdout:\n%s", r.Stdout)
	assert.ElementsMatch(t, []int{1, 2}, stateIDs(checkWrite(t, f, in, r)), "both batches were sent in the grace period and the state echoed")
	assertExactlyOnce(t, f, in)
}
