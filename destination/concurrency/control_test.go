package concurrency

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a fake clock for Options.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

const ms = time.Millisecond

// fullLimiter returns a limiter of n slots on a test clock with every slot taken, and the
// first one released after 100 ms to seed the baseline RTT.
func fullLimiter(t *testing.T, n int) (*Limiter, *clock) {
	t.Helper()
	clk := &clock{t: time.Unix(1_767_225_600, 0)}
	l := New(Options{Initial: n, Max: n, Now: clk.now})
	for range n {
		require.NoError(t, l.Acquire(t.Context()))
	}
	clk.advance(100 * ms)
	l.Release(Result{RTT: 100 * ms})
	return l, clk
}

// round is one round of a scenario: take some slots at once, let the clock
// run for rtt, then release them all with the same result.
type round struct {
	use  int // slots to take; 0 means up to the current limit
	rtt  time.Duration
	bp   bool // every attempt of the round pushed back
	want int  // limit after the round
}

// flat is a round of flat 100ms RTTs using every slot.
func flat(want int) round { return round{rtt: 100 * ms, want: want} }

// pushback is a round of 429s using every slot.
func pushback(want int) round { return round{rtt: 100 * ms, bp: true, want: want} }

func TestLimiterAIMD(t *testing.T) {
	tests := []struct {
		name         string
		initial, max int
		rounds       []round
	}{
		{"rises by one per window to Max under flat RTT and full use", 2, 8, []round{
			flat(2), // seeds the baseline
			flat(3), flat(4), flat(5), flat(6), flat(7), flat(8), flat(8), flat(8),
		}},
		{"does not rise when the limit is not used", 2, 8, []round{
			{use: 1, rtt: 100 * ms, want: 2}, {use: 1, rtt: 100 * ms, want: 2},
			{use: 1, rtt: 100 * ms, want: 2}, {use: 1, rtt: 100 * ms, want: 2},
		}},
		{"rises through RTT jitter within the tolerance", 2, 8, []round{
			flat(2), {rtt: 106 * ms, want: 3}, {rtt: 103 * ms, want: 4}, {rtt: 109 * ms, want: 5},
		}},
		{"halves on push-back, never below 1, then recovers", 8, 8, []round{
			flat(8), flat(8),
			pushback(4), pushback(2), pushback(1), pushback(1),
			flat(2), flat(3),
		}},
		{"push-back before any RTT sample halves at once", 8, 8, []round{
			pushback(4), flat(4), flat(5),
		}},
		{"halves when RTT climbs well above the baseline", 8, 8, []round{
			// The first slow window still holds 7 of the previous round's
			// 100ms samples and averages 125ms: not yet slow.
			flat(8), flat(8), {rtt: 300 * ms, want: 8}, {rtt: 300 * ms, want: 4},
		}},
		{"holds when RTT is between flat and slow", 4, 8, []round{
			flat(4), {rtt: 110 * ms, want: 5}, {rtt: 125 * ms, want: 5}, {rtt: 125 * ms, want: 5},
		}},
		{"a window shorter than the baseline RTT changes nothing", 4, 8, []round{
			flat(4), {rtt: 50 * ms, want: 4}, {rtt: 50 * ms, want: 5},
		}},
		{"Max 1 stays at 1", 1, 1, []round{flat(1), flat(1), pushback(1), flat(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &clock{t: time.Unix(1_767_225_600, 0)}
			l := New(Options{Initial: tt.initial, Max: tt.max, Now: clk.now})
			require.Equal(t, tt.initial, l.Limit(), "initial limit")
			for i, r := range tt.rounds {
				n := r.use
				if n == 0 {
					n = l.Limit()
				}
				for range n {
					require.NoError(t, l.Acquire(context.Background()), "round %d", i)
				}
				clk.advance(r.rtt)
				for range n {
					l.Release(Result{RTT: r.rtt, Backpressure: r.bp})
				}
				assert.Equal(t, r.want, l.Limit(), "limit after round %d", i)
				require.Zero(t, l.InFlight())
			}
		})
	}
}

func TestLimiterOneBurstOfPushBackHalvesOnce(t *testing.T) {
	l, clk := fullLimiter(t, 16)
	// The other 15 attempts, sent together, come back as 429s one by one
	// over several baseline RTTs.
	for i := range 15 {
		clk.advance(30 * ms)
		l.Release(Result{RTT: 100*ms + time.Duration(i+1)*30*ms, Backpressure: true})
	}
	assert.Equal(t, 8, l.Limit(), "one burst costs one halving")

	// A 429 for an attempt sent after the decrease counts again.
	require.NoError(t, l.Acquire(context.Background()))
	clk.advance(100 * ms)
	l.Release(Result{RTT: 100 * ms, Backpressure: true})
	assert.Equal(t, 4, l.Limit())
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want int
	}{
		{"zero Initial means DefaultInitial", Options{Max: 64}, DefaultInitial},
		{"Initial clamped to Max", Options{Initial: 10, Max: 4}, 4},
		{"default clamped to Max 1", Options{Max: 1}, 1},
		{"negative Initial clamped to 1", Options{Initial: -3, Max: 4}, 1},
		{"explicit Initial", Options{Initial: 5, Max: 256}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, New(tt.opts).Limit())
		})
	}
	assert.Panics(t, func() { New(Options{Max: 0}) }, "Max 0")
}

func TestReleaseWithoutAcquirePanics(t *testing.T) {
	l := New(Options{Max: 2})
	assert.Panics(t, func() { l.Release(Result{}) })
	assert.Panics(t, func() { l.Abandon() })
}
