package openai

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBackoffDelayFullJitterWithinBounds(t *testing.T) {
	half := func() float64 { return 0.5 }
	b := Backoff{Base: 100 * time.Millisecond, Cap: time.Second, Rand: half}
	for attempt, want := range map[int]time.Duration{
		0: 50 * time.Millisecond, 1: 100 * time.Millisecond, 2: 200 * time.Millisecond,
		3: 400 * time.Millisecond, 4: 500 * time.Millisecond, 10: 500 * time.Millisecond, 100: 500 * time.Millisecond,
	} {
		assert.Equal(t, want, b.Delay(attempt, nil), "attempt %d: half of min(Cap, Base·2^attempt)", attempt)
	}

	r := rand.New(rand.NewPCG(1, 2))
	for _, rnd := range []func() float64{func() float64 { return 0 }, func() float64 { return 0.9999999 }, r.Float64, nil} {
		b := Backoff{Base: 300 * time.Millisecond, Cap: 2 * time.Second, Rand: rnd}
		for attempt := range 70 {
			ceiling := b.Cap
			if attempt < 3 {
				ceiling = b.Base << attempt
			}
			for range 5 {
				d := b.Delay(attempt, errors.New("some error"))
				assert.GreaterOrEqual(t, d, time.Duration(0), "attempt %d", attempt)
				assert.Less(t, d, ceiling, "attempt %d", attempt)
			}
		}
	}
}

func TestBackoffDelayRetryAfterWins(t *testing.T) {
	calls := 0
	b := Backoff{Base: 100 * time.Millisecond, Cap: time.Second, Rand: func() float64 { calls++; return 0.5 }}
	err := fmt.Errorf("post batch 1: %w", &APIError{Status: 429, RetryAfter: 7 * time.Second})
	assert.Equal(t, 7*time.Second, b.Delay(0, err), "the server's wait wins, even above Cap")
	assert.Equal(t, 0, calls, "no jitter on a Retry-After")

	noHeader := &APIError{Status: 503}
	assert.Equal(t, 50*time.Millisecond, b.Delay(0, noHeader), "without Retry-After: jitter")
}

// TestRetryShort drives the short retry of check and discover against scripted answers,
// under synctest: the waits pass on the bubble's clock, so elapsed is exact and nothing
// waits real time.
func TestRetryShort(t *testing.T) {
	const timeout = 2 * time.Second
	unavailable := scriptedAnswer{status: 503, body: `{"error":{"message":"503: Authentication backend failure"}}`}
	account := scriptedAnswer{status: 200, body: `{"id":"act_1","name":"Shop"}`}
	cases := []struct {
		name       string
		answers    []scriptedAnswer
		wantCalls  int
		wantStatus int           // of the *APIError returned; 0 for none
		wantNet    bool          // a *NetworkError is returned
		minElapsed time.Duration // the waits and timeouts that must have passed
		maxElapsed time.Duration
	}{
		{name: "first answer", answers: []scriptedAnswer{account}, wantCalls: 1},
		{name: "a 429 is neither retried nor waited out", wantCalls: 1, wantStatus: 429,
			answers: []scriptedAnswer{{status: 429, header: map[string]string{"Retry-After": "60"}}}},
		{name: "a 401 is final", answers: []scriptedAnswer{{status: 401}}, wantCalls: 1, wantStatus: 401},
		{name: "503 then an answer", answers: []scriptedAnswer{unavailable, unavailable, account}, wantCalls: 3,
			maxElapsed: 300*time.Millisecond + 600*time.Millisecond},
		{name: "503 every time: three attempts, then the last answer", answers: []scriptedAnswer{unavailable},
			wantCalls: 3, wantStatus: 503, maxElapsed: 900 * time.Millisecond},
		{name: "an attempt that times out is retried", answers: []scriptedAnswer{{block: true}, account},
			wantCalls: 2, minElapsed: timeout, maxElapsed: timeout + 300*time.Millisecond},
		{name: "every attempt times out", answers: []scriptedAnswer{{block: true}}, wantCalls: 3, wantNet: true,
			minElapsed: 3 * timeout, maxElapsed: 3*timeout + 900*time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client, tr := scriptedClient(nil, c.answers...)
				start := time.Now()
				got, err := RetryShort(t.Context(), 3, timeout, client.AdAccount)
				elapsed := time.Since(start)
				assert.Equal(t, c.wantCalls, tr.calls(), "attempts")
				assert.GreaterOrEqual(t, elapsed, c.minElapsed, "elapsed")
				assert.LessOrEqual(t, elapsed, c.maxElapsed, "elapsed")
				var apiErr *APIError
				var netErr *NetworkError
				switch {
				case c.wantStatus != 0:
					require.ErrorAs(t, err, &apiErr)
					assert.Equal(t, c.wantStatus, apiErr.Status)
				case c.wantNet:
					require.ErrorAs(t, err, &netErr)
					assert.ErrorIs(t, err, context.DeadlineExceeded)
				default:
					require.NoError(t, err)
					assert.Equal(t, "act_1", got.ID)
				}
			})
		})
	}
}

// TestRetryShortStopsWhenTheCallerIsDone: a cancelled caller ends the wait between attempts
// at once, with its own error.
func TestRetryShortStopsWhenTheCallerIsDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		client, tr := scriptedClient(nil, scriptedAnswer{status: 503})
		done := make(chan error)
		go func() {
			_, err := RetryShort(ctx, 3, time.Second, client.AdAccount)
			done <- err
		}()
		synctest.Wait() // the first attempt failed: RetryShort waits before the second
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
		assert.Equal(t, 1, tr.calls())
	})
}

// TestSleep waits on the bubble's clock: the whole wait, or until the context is done.
func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		require.NoError(t, Sleep(t.Context(), 5*time.Minute))
		assert.Equal(t, 5*time.Minute, time.Since(start))

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start = time.Now()
		assert.ErrorIs(t, Sleep(ctx, time.Hour), context.DeadlineExceeded)
		assert.Equal(t, time.Second, time.Since(start))
		assert.ErrorIs(t, Sleep(ctx, 0), context.DeadlineExceeded, "a zero wait still reports a done context")
	})
}

// TestRetryAfterReadWithTheClientsClock: an HTTP-date Retry-After is read against the clock
// the client was given, and Backoff waits exactly that long.
func TestRetryAfterReadWithTheClientsClock(t *testing.T) {
	now := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	cases := []struct {
		name, header string
		want         time.Duration
	}{
		{name: "seconds", header: "12", want: 12 * time.Second},
		{name: "a date 30 s after the clock", header: now.Add(30 * time.Second).Format(http.TimeFormat), want: 30 * time.Second},
		{name: "a date before the clock", header: now.Add(-time.Minute).Format(http.TimeFormat), want: 0},
		{name: "a date far ahead is capped", header: now.Add(time.Hour).Format(http.TimeFormat), want: maxRetryAfter},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client, _ := scriptedClient(func() time.Time { return now },
				scriptedAnswer{status: 429, header: map[string]string{"Retry-After": c.header}})
			_, err := client.PostEvents(t.Context(), "p", []byte(`{"events":[]}`))
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, c.want, apiErr.RetryAfter)
			if c.want > 0 {
				b := Backoff{Base: time.Millisecond, Cap: time.Second}
				assert.Equal(t, c.want, b.Delay(0, err), "Backoff waits the server's time")
			}
		})
	}
}
