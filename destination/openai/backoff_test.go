package openai

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
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

func TestRetryShortFailsFastOnRateLimit(t *testing.T) {
	calls := 0
	start := time.Now()
	_, err := RetryShort(t.Context(), 3, time.Second, func(context.Context) (struct{}, error) {
		calls++
		return struct{}{}, &APIError{Status: 429, RetryAfter: time.Minute}
	})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 429, apiErr.Status)
	assert.Equal(t, 1, calls, "a 429 is not retried by check")
	assert.Less(t, time.Since(start), 5*time.Second, "and not waited out")
}

func TestRetryShortStopsOnDefiniteAnswer(t *testing.T) {
	calls := 0
	_, err := RetryShort(t.Context(), 3, time.Second, func(context.Context) (int, error) {
		calls++
		return 0, &APIError{Status: 401}
	})
	assert.Error(t, err)
	assert.Equal(t, 1, calls, "a 401 is final")
}
