package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 12, failure 1, its last gap: a stuck pixel's backlog larger than its half of the 12 MiB
// of queued bodies does not stall reading. pxl_stuck answers 429 throughout; once its waiting
// batches fill its share, the further ones are spilled to a temporary file, so that every
// record of s2 is read, delivered and checkpointed while pxl_stuck still holds s1's records:
// every state of s2 is echoed before the first of s1's records is given up. Then s1's records
// are rejected with retry_budget, each once, and the run ends 0 as continue_on_errors says,
// leaving no file behind in TMPDIR.
func TestAStuckPixelsBacklogIsSpilledAndDoesNotStallReading(t *testing.T) {
	t.Parallel()
	// s1: 12 MiB of bodies, twice its share. s2's records are few, so that the fake (in the
	// test process, slow under -race) takes them well within s1's budget.
	const perStream, rounds, s1Size, s2PerRound = 3000, 30, 4 << 10, 10
	f, s1, s2, args := stuckPixelSetup(t, true, 3, true, nil)
	in := interleavedLarge(s1, s2, rounds, perStream/rounds, s2PerRound, true, s1Size)
	tmp := t.TempDir()
	r := runWith(t, connectortest.Options{Env: []string{"TMPDIR=" + tmp}}, in.bytes(0), args...)

	require.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	assertExactlyOnce(t, f, in)
	assert.True(t, containsAll(r.Logs("INFO"), "its further batches wait in a temporary file"), "pxl_stuck's batches were spilled")

	firstGivenUp := -1 // stdout line of the first rejection of an s1 record
	for i, m := range r.Messages {
		if m.Log != nil && strings.Contains(m.Log.Message, "retry_budget") {
			firstGivenUp = i
			break
		}
	}
	require.GreaterOrEqual(t, firstGivenUp, 0, "s1's records are rejected with the rule retry_budget")
	lineOf := map[string]int{}
	for i, l := range r.Lines {
		lineOf[l.Text] = i
	}
	var s1States, s2States int
	for _, e := range echoed {
		if e.in.stream.name == "s1" {
			s1States++
			assert.Equal(t, [2]float64{0, perStream / rounds}, [2]float64{e.recorded, e.rejected}, "s1's state %d counts its records as rejected", e.in.id)
			continue
		}
		s2States++
		assert.Less(t, lineOf[e.line.Text], firstGivenUp, "s2's state %d is echoed while pxl_stuck still holds s1's records", e.in.id)
	}
	assert.Equal(t, rounds, s2States, "every state of s2 is echoed")
	assert.Equal(t, rounds, s1States, "every state of s1 is echoed")
	assert.True(t, containsAll(r.Logs("WARN"), fmt.Sprintf(`Stream "s1" (pixel pxl_stuck): %d received, 0 delivered, %d rejected (retry_budget: %d)`, perStream, perStream, perStream)),
		"every record of s1 is rejected once")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the spill file is removed")
}

// A pixel that answers again after its backlog was spilled gets every spilled batch read back
// and delivered: with pxl_stuck rate limited until its batches wait in the spill file, in the
// end every record of both streams is stored exactly once and every state echoed.
func TestSpilledBatchesAreDeliveredWhenThePixelRecovers(t *testing.T) {
	t.Parallel()
	const perStream, rounds, s1Size = 3000, 30, 4 << 10
	var stuck atomic.Bool
	stuck.Store(true)
	f, s1, s2, args := stuckPixelSetup(t, false, 60, false, rateLimitWhile("pxl_stuck", &stuck))
	in := interleavedLarge(s1, s2, rounds, perStream/rounds, perStream/rounds, false, s1Size)
	p := start(t, args...)
	var feeder sync.WaitGroup
	feeder.Go(func() {
		p.Send(in.bytes(0))
		p.CloseInput()
	})
	spilled := p.WaitForLine(connectortest.DefaultTimeout, func(l connectortest.Line) bool {
		return strings.Contains(l.Text, "its further batches wait in a temporary file")
	})
	stuck.Store(false)
	r := p.Wait()
	feeder.Wait()

	require.True(t, spilled, "pxl_stuck's batches were spilled; stdout:\n%s", r.Stdout)
	require.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	assertExactlyOnce(t, f, in)
	assert.Len(t, echoed, 2*rounds, "every state is echoed")
}

// rateLimitWhile wraps the fake: while stuck holds, every request for pixel gets 429 with
// Retry-After: 1 and an OpenAI error body.
func rateLimitWhile(pixel string, stuck *atomic.Bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		refuse := withStatus("/v1/events", http.StatusTooManyRequests, "Rate limit reached for requests.")(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !stuck.Load() || r.URL.Query().Get("pid") != pixel {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Retry-After", "1")
			refuse.ServeHTTP(w, r)
		})
	}
}
