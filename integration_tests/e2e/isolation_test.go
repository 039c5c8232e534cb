package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
)

// stuckPixelSetup starts a fake with two pixels, pxl_stuck answering 429 (Retry-After 2s) to
// every request when stuck is true, and configures stream s1 → pxl_stuck, s2 → pxl_ok, with a
// short retry budget (seconds) and continueOnErrors. It returns the streams and write's
// arguments.
func stuckPixelSetup(t *testing.T, stuck bool, budget int, continueOnErrors bool) (f *fake, s1, s2 stream, args []string) {
	t.Helper()
	s1 = stream{name: "s1", pixel: "pxl_stuck"}
	s2 = stream{name: "s2", pixel: "pxl_ok"}
	f = startFake(t, fakeapi.WebPixels("pxl_stuck", "pxl_ok"), nil)
	if stuck {
		f.api.Script(fakeapi.Fault{Kind: fakeapi.FaultRateLimit, PixelID: "pxl_stuck", RetryAfter: 2 * time.Second, Times: 1 << 30})
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
	in := newInput()
	for range rounds {
		for range n {
			in.record(s1).refused = s1Refused
		}
		in.streamState(s1)
		in.records(s2, n).streamState(s2)
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
	f, s1, s2, args := stuckPixelSetup(t, true, 5, true)
	in := interleaved(s1, s2, 10, 500, true)
	r := run(t, in.bytes(0), args...)

	require.Equal(t, 0, r.exit, "exit code; stdout:\n%s", r.stdout)
	echoed := checkWrite(t, f, in, r)
	assertAllDelivered(t, f, in)
	assert.Equal(t, int64(5000), f.api.Stats().EventsAccepted, "every record of s2 is stored, none of s1")

	firstGivenUp := -1 // stdout line of the first rejection of an s1 record
	for i, m := range r.msgs {
		if m.log != nil && strings.Contains(m.log.Message, "retry_budget") {
			firstGivenUp = i
			break
		}
	}
	require.GreaterOrEqual(t, firstGivenUp, 0, "s1's records are rejected with the rule retry_budget; stdout:\n%s", r.stdout)
	lineOf := map[string]int{}
	for i, l := range r.lines {
		lineOf[l.text] = i
	}
	var s2States int
	for _, e := range echoed {
		if e.in.stream.name != "s2" {
			assert.Equal(t, [2]float64{0, 500}, [2]float64{e.recorded, e.rejected}, "s1's state %d counts its records as rejected", e.in.id)
			continue
		}
		s2States++
		assert.Less(t, lineOf[e.line.text], firstGivenUp, "s2's state %d is echoed while pxl_stuck still holds s1's records", e.in.id)
	}
	assert.Equal(t, 10, s2States, "every state of s2 is echoed")
	assert.True(t, containsAll(r.logs("WARN"), `Stream "s1" (pixel pxl_stuck): 5000 received, 0 delivered, 5000 rejected (retry_budget: 5000)`),
		"the summary counts s1's records by rule")
	t.Logf("429s served to pxl_stuck: %d", f.api.Stats().Faults[fakeapi.FaultRateLimit])
}

// Without continue_on_errors, a stuck pixel fails the sync with a transient error once its
// retry budget is spent; s2's states, whose records were delivered, are echoed first.
func TestAStuckPixelFailsTheSyncAfterItsBudgetWithoutContinueOnErrors(t *testing.T) {
	t.Parallel()
	f, s1, s2, args := stuckPixelSetup(t, true, 3, false)
	in := interleaved(s1, s2, 4, 200, false)
	r := run(t, in.bytes(0), args...)

	require.Equal(t, 1, r.exit, "exit code; stdout:\n%s", r.stdout)
	echoed := checkWrite(t, f, in, r)
	kind, msg := r.failure(t)
	assert.Equal(t, "transient_error", kind)
	assert.Contains(t, msg, `pixel "pxl_stuck"`)
	var s2States int
	for _, e := range echoed {
		assert.Equal(t, "s2", e.in.stream.name, "no state of s1 is echoed")
		s2States++
	}
	assert.Equal(t, 4, s2States, "s2's states are echoed before the failure")
}
