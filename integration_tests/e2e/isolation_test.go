package e2e

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
)

// stuckPixelSetup starts a fake with two pixels, pxl_stuck answering 429 (Retry-After 1s) to
// every request when stuck is true, and configures stream s1 → pxl_stuck, s2 → pxl_ok, with a
// short retry budget (seconds) and continueOnErrors. It returns the streams and write's
// arguments. wrap, when not nil, is put in front of the fake (see startFake).
func stuckPixelSetup(t *testing.T, stuck bool, budget int, continueOnErrors bool, wrap func(http.Handler) http.Handler) (f *fake, s1, s2 stream, args []string) {
	t.Helper()
	s1 = stream{name: "s1", pixel: "pxl_stuck"}
	s2 = stream{name: "s2", pixel: "pxl_ok"}
	f = startFake(t, fakeapi.WebPixels("pxl_stuck", "pxl_ok"), wrap)
	if stuck {
		f.api.Script(fakeapi.Fault{Kind: fakeapi.FaultRateLimit, PixelID: "pxl_stuck", RetryAfter: time.Second, Times: 1 << 30})
	}
	cfg := baseConfig(f, keyBoth)
	cfg["continue_on_errors"] = continueOnErrors
	cfg["max_retry_seconds"] = budget
	cfg["stream_pixels"] = []map[string]string{
		{"stream_name": "s1", "pixel_id": "pxl_stuck"},
		{"stream_name": "s2", "pixel_id": "pxl_ok"},
	}
	return f, s1, s2, writeArgs(t, cfg, catalogOf(s1, s2))
}

// interleaved builds rounds of n records of s1 and then of s2, each closed by a state of its
// stream. s1's records are marked refused when s1Refused: the API never stores them.
func interleaved(s1, s2 stream, rounds, n int, s1Refused bool) *input {
	return interleavedLarge(s1, s2, rounds, n, n, s1Refused, 0)
}

// interleavedLarge is interleaved with n1 records of s1 and n2 of s2 a round, and s1's records
// made longer than s1Size bytes each when s1Size is not zero: a backlog of a few thousand of
// them outgrows a pixel's share of the memory for waiting batches.
func interleavedLarge(s1, s2 stream, rounds, n1, n2 int, s1Refused bool, s1Size int) *input {
	in := newInput()
	for range rounds {
		for range n1 {
			if s1Size > 0 {
				in.bigRecord(s1, s1Size).refused = s1Refused
				continue
			}
			in.record(s1).refused = s1Refused
		}
		in.streamState(s1)
		in.records(s2, n2).streamState(s2)
	}
	return in
}

// Issue 12, failure 1: a pixel that answers 429 throughout holds back its own stream only.
// s2's records are all delivered and its states echoed while s1's records still wait for
// pxl_stuck (before the first of them is given up); then s1's records are rejected with the
// rule retry_budget once the pixel's budget is spent, its states are echoed with them counted
// as rejected, and the sync ends 0 as continue_on_errors says.
func TestAStuckPixelHoldsBackOnlyItsOwnStreams(t *testing.T) {
	t.Parallel()
	f, s1, s2, args := stuckPixelSetup(t, true, 2, true, nil)
	in := interleaved(s1, s2, 10, 100, true)
	r := run(t, in.bytes(0), args...)

	require.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	assertAllDelivered(t, f, in)
	assert.Equal(t, int64(1000), f.api.Stats().EventsAccepted, "every record of s2 is stored, none of s1")

	firstGivenUp := -1 // stdout line of the first rejection of an s1 record
	for i, m := range r.Messages {
		if m.Log != nil && strings.Contains(m.Log.Message, "retry_budget") {
			firstGivenUp = i
			break
		}
	}
	require.GreaterOrEqual(t, firstGivenUp, 0, "s1's records are rejected with the rule retry_budget; stdout:\n%s", r.Stdout)
	lineOf := map[string]int{}
	for i, l := range r.Lines {
		lineOf[l.Text] = i
	}
	var s2States int
	for _, e := range echoed {
		if e.in.stream.name != "s2" {
			assert.Equal(t, [2]float64{0, 100}, [2]float64{e.recorded, e.rejected}, "s1's state %d counts its records as rejected", e.in.id)
			continue
		}
		s2States++
		assert.Less(t, lineOf[e.line.Text], firstGivenUp, "s2's state %d is echoed while pxl_stuck still holds s1's records", e.in.id)
	}
	assert.Equal(t, 10, s2States, "every state of s2 is echoed")
	assert.True(t, containsAll(r.Logs("WARN"), `Stream "s1" (pixel pxl_stuck): 1000 received, 0 delivered, 1000 rejected (retry_budget: 1000)`),
		"the summary counts s1's records by rule")
	t.Logf("429s served to pxl_stuck: %d", f.api.Stats().Faults[fakeapi.FaultRateLimit])
}

// Without continue_on_errors, a stuck pixel fails the sync with a transient error once its
// retry budget is spent; s2's states, whose records were delivered, are echoed first.
func TestAStuckPixelFailsTheSyncAfterItsBudgetWithoutContinueOnErrors(t *testing.T) {
	t.Parallel()
	f, s1, s2, args := stuckPixelSetup(t, true, 2, false, nil)
	in := interleaved(s1, s2, 4, 100, false)
	r := run(t, in.bytes(0), args...)

	echoed := checkFailedWrite(t, f, in, r, "transient_error", `pixel "pxl_stuck"`)
	var s2States int
	for _, e := range echoed {
		assert.Equal(t, "s2", e.in.stream.name, "no state of s1 is echoed")
		s2States++
	}
	assert.Equal(t, 4, s2States, "s2's states are echoed before the failure")
}

// Issue 12, weak spot: after a 401 mid-sync, the requests already in flight for another pixel
// still get their answer, and the state their records cover is echoed before the failure is
// reported, so that the next sync does not send those records again.
func TestAKeyRefusedMidSyncStillEchoesTheStatesOfRequestsInFlight(t *testing.T) {
	t.Parallel()
	slow := stream{name: "slow", pixel: "pxl_slow"}
	refused := stream{name: "refused", pixel: "pxl_refused"}
	f := startFake(t, fakeapi.WebPixels("pxl_slow", "pxl_refused"), nil)
	// pxl_slow's one batch is in flight for a second; pxl_refused's is refused at once.
	f.api.Script(
		fakeapi.Fault{Kind: fakeapi.FaultLatency, PixelID: "pxl_slow", Delay: time.Second},
		fakeapi.Fault{Kind: fakeapi.FaultEchoAuth, PixelID: "pxl_refused", Status: 401, Times: 1000},
	)
	cfg := baseConfig(f, keyBoth)
	cfg["stream_pixels"] = []map[string]string{
		{"stream_name": "slow", "pixel_id": "pxl_slow"},
		{"stream_name": "refused", "pixel_id": "pxl_refused"},
	}
	in := newInput().records(slow, 100).streamState(slow).records(refused, 100).streamState(refused)
	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(slow, refused))...)

	echoed := checkFailedWrite(t, f, in, r, "config_error", "401")
	assert.Equal(t, []int{1}, stateIDs(echoed), "the state of the records delivered by the request in flight is echoed")
	assert.Equal(t, int64(100), f.api.Stats().EventsAccepted, "the request in flight was not cut")
	traces, states := -1, -1
	for i, m := range r.Messages {
		switch {
		case m.Type == "STATE":
			states = i
		case m.Trace != nil && m.Trace.Type == "ERROR":
			traces = i
		}
	}
	assert.Less(t, states, traces, "the state is echoed before the failure is reported")
}

// countRequests wraps the fake: every request to path gets status with an OpenAI error body
// naming no event, and is counted.
func countRequests(path string, status int, message string, n *atomic.Int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		refuse := withStatus(path, status, message)(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == path {
				n.Add(1)
			}
			refuse.ServeHTTP(w, r)
		})
	}
}

// Issue 12, weak spot: a refusal that names no event and that both halves of a split get alike
// is about the request, not an event: splitting stops at once (3 requests, where halving down
// to single events took 2n-1) and the sync fails with the API's message, a config_error when
// the answer says what to change.
func TestARefusalBothHalvesGetAlikeStopsSplitting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, message string
		status        int
		kind, advice  string
	}{
		{"413 on every size", "Request Entity Too Large", http.StatusRequestEntityTooLarge, "config_error", "Lower Batch size"},
		{"400 about the request", "The request could not be processed.", http.StatusBadRequest, "system_error", "The request could not be processed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := stream{name: "conversions", pixel: "pxl_default"}
			var requests atomic.Int64
			f := startFake(t, fakeapi.WebPixels("pxl_default"), countRequests("/v1/events", tt.status, tt.message, &requests))
			cfg := baseConfig(f, keyBoth)
			cfg["default_pixel_id"] = "pxl_default"
			cfg["continue_on_errors"] = true
			in := newInput().records(s, 200).streamState(s)
			r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)

			require.Equal(t, 1, r.Exit, "exit code; stdout:\n%s", r.Stdout)
			echoed := checkWrite(t, f, in, r)
			assert.Empty(t, echoed, "no state: no record was delivered or rejected")
			kind, msg := r.Failure(t)
			assert.Equal(t, tt.kind, kind)
			assert.Contains(t, msg, tt.advice)
			assert.Contains(t, msg, tt.message, "the API's message")
			assert.Equal(t, int64(3), requests.Load(), "the batch and its two halves")
		})
	}
}
