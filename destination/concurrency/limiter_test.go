package concurrency

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// acquireAsync starts Acquire in a goroutine and returns a channel that
// yields its error. Inside a synctest bubble, synctest.Wait tells whether it
// is blocked.
func acquireAsync(ctx context.Context, l *Limiter) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- l.Acquire(ctx) }()
	return errc
}

// returned reports whether the Acquire behind errc has returned, and with
// what, without waiting.
func returned(errc <-chan error) (bool, error) {
	select {
	case err := <-errc:
		return true, err
	default:
		return false, nil
	}
}

// assertWaits lets the bubble settle and checks that the Acquire behind errc still waits.
func assertWaits(t *testing.T, errc <-chan error, msgAndArgs ...any) {
	t.Helper()
	synctest.Wait()
	done, _ := returned(errc)
	assert.False(t, done, msgAndArgs...)
}

// assertProceeds lets the bubble settle and checks that the Acquire behind errc has
// returned without error.
func assertProceeds(t *testing.T, errc <-chan error, msg string) {
	t.Helper()
	synctest.Wait()
	done, err := returned(errc)
	assert.True(t, done, msg)
	assert.NoError(t, err)
}

func TestAcquireBlocksAtLimitAndUnblocksOnRelease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Options{Initial: 2, Max: 2})
		require.NoError(t, l.Acquire(t.Context()))
		require.NoError(t, l.Acquire(t.Context()))

		errc := acquireAsync(t.Context(), l)
		assertWaits(t, errc, "Acquire at the limit must block")
		assert.Equal(t, 2, l.InFlight())

		l.Release(Result{RTT: 100 * ms})
		assertProceeds(t, errc, "Release must unblock a waiter")
		assert.Equal(t, 2, l.InFlight())
	})
}

func TestAcquireServesWaitersInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Options{Initial: 1, Max: 1})
		require.NoError(t, l.Acquire(t.Context()))
		first := acquireAsync(t.Context(), l)
		synctest.Wait()
		second := acquireAsync(t.Context(), l)
		synctest.Wait()

		l.Abandon()
		synctest.Wait()
		done1, _ := returned(first)
		done2, _ := returned(second)
		assert.True(t, done1, "first waiter served")
		assert.False(t, done2, "second waiter still waits")

		l.Abandon()
		synctest.Wait()
		done2, _ = returned(second)
		assert.True(t, done2, "second waiter served")
	})
}

func TestAcquireContextDone(t *testing.T) {
	t.Run("cancelled while waiting", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := New(Options{Initial: 1, Max: 1})
			require.NoError(t, l.Acquire(t.Context()))
			ctx, cancel := context.WithCancel(t.Context())
			errc := acquireAsync(ctx, l)
			other := acquireAsync(t.Context(), l)
			synctest.Wait()

			cancel()
			synctest.Wait()
			done, err := returned(errc)
			require.True(t, done, "cancel must unblock Acquire")
			assert.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, 1, l.InFlight(), "a cancelled Acquire takes no slot")

			l.Abandon()
			assertProceeds(t, other, "the slot goes to the next waiter")
		})
	})
	t.Run("deadline while waiting", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := New(Options{Initial: 1, Max: 1})
			require.NoError(t, l.Acquire(t.Context()))
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			assert.ErrorIs(t, l.Acquire(ctx), context.DeadlineExceeded)
			assert.Equal(t, 1, l.InFlight())
		})
	})
	t.Run("already cancelled", func(t *testing.T) {
		l := New(Options{Initial: 4, Max: 4})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		assert.ErrorIs(t, l.Acquire(ctx), context.Canceled, "even with free slots")
		assert.Zero(t, l.InFlight())
	})
}

func TestLoweredLimitBelowInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, clk := fullLimiter(t, 8)
		clk.advance(100 * ms)
		l.Release(Result{RTT: 200 * ms, Backpressure: true})
		require.Equal(t, 4, l.Limit())
		require.Equal(t, 6, l.InFlight())

		errc := acquireAsync(t.Context(), l)
		for l.InFlight() > 4 {
			l.Abandon()
			assertWaits(t, errc, "must wait with %d in flight and limit 4", l.InFlight())
		}
		l.Abandon()
		assertProceeds(t, errc, "must proceed once in-flight drops below the limit")
		assert.Equal(t, 4, l.InFlight())
	})
}

func TestLimiterConcurrentUse(t *testing.T) {
	const (
		maxLimit   = 16
		goroutines = 64
		attempts   = 300
	)
	l := New(Options{Initial: 2, Max: maxLimit})
	var inFlight, peak atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range attempts {
				ctx, cancel := context.WithTimeout(t.Context(), time.Duration(rng.IntN(200))*time.Microsecond)
				if err := l.Acquire(ctx); err != nil {
					cancel()
					continue
				}
				cancel()
				n := inFlight.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				runtime.Gosched() // let others contend while the slot is held
				inFlight.Add(-1)
				rtt := time.Duration(50+rng.IntN(100)) * time.Microsecond
				switch rng.IntN(20) {
				case 0:
					l.Release(Result{RTT: rtt, Backpressure: true})
				case 1:
					l.Abandon()
				default:
					l.Release(Result{RTT: rtt})
				}
				if lim := l.Limit(); lim < 1 || lim > maxLimit {
					t.Errorf("limit %d outside [1, %d]", lim, maxLimit)
				}
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int64(maxLimit), "peak in flight")
	assert.Zero(t, l.InFlight())
	assert.GreaterOrEqual(t, l.Limit(), 1)
	assert.LessOrEqual(t, l.Limit(), maxLimit)
}
