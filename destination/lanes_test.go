package destination

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/concurrency"
)

// throttle lowers a lane's limit to 1, as a 429 does.
func throttle(t *testing.T, ln *lane) {
	t.Helper()
	require.NoError(t, ln.limiter.Acquire(t.Context()))
	ln.limiter.Release(concurrency.Result{Backpressure: true})
	require.Equal(t, 1, ln.limiter.Limit())
}

// takeAll takes batches as the pool of senders would, one per sender, without blocking, until
// every sender is busy or none may take a batch; it counts them by pixel.
func takeAll(t *testing.T, l *lanes) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range l.senders {
		l.mu.Lock()
		b, _ := l.pick()
		l.mu.Unlock()
		if b == nil {
			return got
		}
		got[b.pixel]++
	}
	return got
}

func TestLanesShareTheSenders(t *testing.T) {
	tests := []struct {
		name      string
		senders   int
		queued    map[string]int // batches queued per pixel
		throttled []string       // pixels whose limit fell to 1
		grow      int            // raise every limit to at least this first
		want      map[string]int // batches taken at once per pixel
	}{
		{"one pixel takes up to its limit", 8, map[string]int{"px1": 10}, nil, 0,
			map[string]int{"px1": concurrency.DefaultInitial}},
		{"a throttled pixel holds one sender, the other goes on", 8, map[string]int{"px1": 10, "px2": 10}, []string{"px1"}, 0,
			map[string]int{"px1": 1, "px2": concurrency.DefaultInitial}},
		{"each pixel gets its fair share when all wait", 4, map[string]int{"px1": 10, "px2": 10}, nil, 4,
			map[string]int{"px1": 2, "px2": 2}},
		{"a pixel takes free senders beyond its share when no other is under its share", 4, map[string]int{"px1": 10, "px2": 1}, nil, 4,
			map[string]int{"px1": 3, "px2": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLanes(tt.senders, nil)
			for pixel, n := range tt.queued {
				ln := l.lane(pixel)
				for ln.limiter.Limit() < tt.grow {
					ln.limiter = concurrency.New(concurrency.Options{Initial: tt.grow, Max: tt.senders})
				}
				for range n {
					l.push(&batch{pixel: pixel})
				}
			}
			for _, pixel := range tt.throttled {
				throttle(t, l.lane(pixel))
			}
			assert.Equal(t, tt.want, takeAll(t, l))
		})
	}
}

func TestLanesTakeWaitsForAFreeSender(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLanes(4, nil)
		throttle(t, l.lane("px1"))
		l.push(&batch{pixel: "px1"})
		l.push(&batch{pixel: "px1"})
		b, ln, ok := l.take(t.Context())
		require.True(t, ok)
		assert.Equal(t, "px1", b.pixel)

		got := make(chan *batch, 1)
		go func() {
			b, _, _ := l.take(t.Context())
			got <- b
		}()
		synctest.Wait()
		assert.Empty(t, got, "px1's second batch waits: its one sender is busy")

		l.push(&batch{pixel: "px2"})
		synctest.Wait()
		if assert.Len(t, got, 1, "px2's batch goes at once") {
			assert.Equal(t, "px2", (<-got).pixel)
		}

		go func() {
			b, _, _ := l.take(t.Context())
			got <- b
		}()
		synctest.Wait()
		assert.Empty(t, got)
		l.done(ln)
		synctest.Wait()
		if assert.Len(t, got, 1, "px1's sender is free again") {
			assert.Equal(t, "px1", (<-got).pixel)
		}
	})
}

func TestLanesTakeEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLanes(2, nil)
		l.push(&batch{pixel: "px1"})
		l.close()
		_, _, ok := l.take(t.Context())
		assert.True(t, ok, "a queued batch is still handed out after close")
		_, _, ok = l.take(t.Context())
		assert.False(t, ok, "closed and empty")

		open := newLanes(2, nil)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan bool, 1)
		go func() {
			_, _, ok := open.take(ctx)
			done <- ok
		}()
		synctest.Wait()
		assert.Empty(t, done)
		cancel()
		synctest.Wait()
		if assert.Len(t, done, 1) {
			assert.False(t, <-done, "a halted sender stops")
		}
	})
}
