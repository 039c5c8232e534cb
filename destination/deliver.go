package destination

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/concurrency"
)

// RetryExhaustedError is a batch that kept failing with retryable errors until its retry
// budget ran out.
type RetryExhaustedError struct {
	Attempts int
	Elapsed  time.Duration
	Last     error
}

func (e *RetryExhaustedError) Error() string {
	return fmt.Sprintf("gave up after %s in %s: %v", plural(int64(e.Attempts), "attempt", "attempts"), e.Elapsed.Round(time.Second), e.Last)
}
func (e *RetryExhaustedError) Unwrap() error { return e.Last }

// deliveryCounters count what the deliverer did, for the progress logs. Safe for concurrent use.
type deliveryCounters struct {
	requests    atomic.Int64
	retries     atomic.Int64
	rateLimited atomic.Int64
	splits      atomic.Int64
}

// deliverer sends batches to the events endpoint: one attempt at a time under the adaptive
// limiter, retrying what can be retried within a budget, pausing a pixel that is rate limited.
type deliverer struct {
	client  *Client
	limiter *concurrency.Limiter
	backoff Backoff
	timeout time.Duration // per attempt
	budget  time.Duration // per batch
	pauses  pixelPauses
	count   *deliveryCounters
	now     func() time.Time // the clock of the send-time window (the command's, injected)
	answers *confirmations   // 2xx answers that do not confirm their batch
}

// send delivers one batch. Before each attempt (the first and every retry), fresh returns
// the batch to send at that moment: b itself, a batch rebuilt without the events that have
// left the API's time window (fresh has settled them), or nil when no event is left. send
// returns the batch it sent last, whose events the caller settles, and nil on a 2xx, the
// *APIError of a definite refusal (4xx), a *RetryExhaustedError, or ctx's error when ctx ends
// first. The retry budget counts from the first attempt: time spent queueing for a limiter
// slot before it does not count.
func (d *deliverer) send(ctx context.Context, b *batch, fresh func(*batch, time.Time) *batch) (*batch, error) {
	var start time.Time
	for attempt := 0; ; attempt++ {
		if err := d.pauses.wait(ctx, b.pixel); err != nil {
			return b, err
		}
		if err := d.limiter.Acquire(ctx); err != nil {
			return b, err
		}
		if b = fresh(b, d.now()); b == nil {
			d.limiter.Abandon() // nothing left to send
			return nil, nil
		}
		if attempt == 0 {
			start = time.Now()
		}
		err := d.attempt(ctx, b)
		if err == nil || !Retryable(ctx, err) {
			return b, err
		}
		delay := d.backoff.Delay(attempt, err)
		remaining := d.budget - time.Since(start)
		if remaining <= 0 {
			return b, &RetryExhaustedError{Attempts: attempt + 1, Elapsed: time.Since(start), Last: err}
		}
		delay = min(delay, remaining) // one last attempt at the end of the budget
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Class() == ClassRateLimited {
			d.count.rateLimited.Add(1)
			d.pauses.pause(b.pixel, time.Now().Add(delay))
		}
		d.count.retries.Add(1)
		if err := sleep(ctx, delay); err != nil {
			return b, err
		}
	}
}

// attempt makes one request, holding a limiter slot, and tells the limiter how it went.
func (d *deliverer) attempt(ctx context.Context, b *batch) error {
	attemptCtx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	d.count.requests.Add(1)
	began := time.Now()
	res, err := d.client.PostEvents(attemptCtx, b.pixel, b.body)
	if err == nil {
		d.answers.check(b.pixel, len(b.items), res)
	}
	if ctx.Err() != nil {
		d.limiter.Abandon() // shutting down: not a measurement of the API
		return err
	}
	d.limiter.Release(concurrency.Result{RTT: time.Since(began), Backpressure: backpressure(err)})
	return err
}

// backpressure tells whether an attempt's failure says the API is overloaded: 429, 408, 5xx,
// or no answer in time.
func backpressure(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Retryable()
	}
	var netErr *NetworkError
	return errors.As(err, &netErr)
}

// pixelPauses holds each rate-limited pixel's sends until its Retry-After has passed.
type pixelPauses struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (p *pixelPauses) pause(pixel string, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.until == nil {
		p.until = map[string]time.Time{}
	}
	if until.After(p.until[pixel]) {
		p.until[pixel] = until
	}
}

// wait sleeps until the pixel's pause is over, plus a little jitter (up to a tenth of the
// wait, at most a second), so that the batches a pause held back do not all wake at once
// into the same rate limit.
func (p *pixelPauses) wait(ctx context.Context, pixel string) error {
	p.mu.Lock()
	until := p.until[pixel]
	p.mu.Unlock()
	d := time.Until(until)
	if d <= 0 {
		return ctx.Err()
	}
	return sleep(ctx, d+time.Duration(rand.Int64N(int64(min(d/10, time.Second))+1)))
}
