package openai

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Backoff computes waits between attempts: exponential with full jitter, or the server's
// Retry-After when it gave one.
type Backoff struct {
	Base time.Duration // the first wait's upper bound
	Cap  time.Duration // no wait is longer, except a Retry-After
	Rand func() float64
}

// Delay returns the wait before attempt number attempt+1, after err ended attempt number
// attempt (0-based).
func (b Backoff) Delay(attempt int, err error) time.Duration {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter
	}
	ceiling := b.Cap
	if attempt < 63 && b.Base <= b.Cap>>attempt {
		ceiling = b.Base << attempt
	}
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	return time.Duration(r() * float64(ceiling))
}

// Sleep waits for d or until ctx is done, and returns ctx's error when it ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryShort runs call up to attempts times while its error is retryable, with short waits,
// giving each attempt timeout. It serves callers that must answer quickly (a connection
// check, a discovery): a 429 is not waited out.
func RetryShort[T any](ctx context.Context, attempts int, timeout time.Duration, call func(context.Context) (T, error)) (T, error) {
	b := Backoff{Base: 300 * time.Millisecond, Cap: 2 * time.Second}
	for attempt := 0; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, timeout)
		v, err := call(attemptCtx)
		cancel()
		var apiErr *APIError
		rateLimited := errors.As(err, &apiErr) && apiErr.Class() == ClassRateLimited
		if err == nil || attempt+1 >= attempts || rateLimited || !Retryable(ctx, err) {
			return v, err
		}
		if err := Sleep(ctx, min(b.Delay(attempt, nil), b.Cap)); err != nil {
			return v, err
		}
	}
}
