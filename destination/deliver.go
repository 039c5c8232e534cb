package destination

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/concurrency"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
)

// RetryExhaustedError is a batch that kept failing with retryable errors until its retry
// budget ran out.
type RetryExhaustedError struct {
	Attempts int
	Elapsed  time.Duration
	Last     error
}

func (e *RetryExhaustedError) Error() string {
	if e.Attempts == 0 {
		return fmt.Sprintf("gave up without an attempt after %s: %v", e.Elapsed.Round(time.Second), e.Last)
	}
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

// sendContexts are the two contexts of sending. wait ends every wait (for a sender, a pause, a
// retry) at the sync's first failure, so that nothing new is sent; call ends the requests in
// flight, later: when a signal's grace period is over, or at once when the connector itself
// failed. Requests in flight at a failure thus still get their answer, and the states their
// records cover are still echoed.
type sendContexts struct {
	wait, call context.Context
}

// deliverer sends batches to the events endpoint: one attempt at a time under the adaptive
// limiter of the batch's pixel, retrying what can be retried within the pixel's retry budget,
// pausing a pixel that is rate limited.
type deliverer struct {
	client  *openai.Client
	backoff openai.Backoff
	timeout time.Duration // per attempt
	budget  time.Duration // how long a pixel may keep failing
	count   *deliveryCounters
	now     func() time.Time // the command's clock: the send-time window, the retry budget, pauses, round trips
	answers *confirmations   // 2xx answers that do not confirm their batch
	stalled func()           // called when a pixel fails or is paused (nil: nothing to tell)
}

// send delivers one batch of ln's pixel. Before each attempt (the first and every retry),
// fresh returns the batch to send at that moment: b itself, a batch rebuilt without the events
// that have left the API's time window (fresh has settled them), or nil when no event is left.
// send returns the batch it sent last, whose events the caller settles, and nil on a 2xx, the
// *openai.APIError of a definite refusal (4xx), a *RetryExhaustedError, or sc.wait's error when it
// ends first.
//
// The retry budget is the pixel's as well as the batch's: it runs from the first of the
// pixel's attempts that failed since it last answered, or from the batch's first attempt when
// that is earlier. So however many batches of a stuck pixel are queued, all of them are
// settled within the budget (plus one attempt's timeout) of its first failure, and a batch
// that keeps failing while others of its pixel succeed is given up within the budget too. A
// batch that finds its pixel's budget spent is tried once, when the pixel is not paused, and
// given up at the first failure.
func (d *deliverer) send(sc sendContexts, ln *lane, b *batch, fresh func(*batch, time.Time) *batch) (*batch, error) {
	var start time.Time
	for attempt := 0; ; attempt++ {
		if err := d.waitPause(sc.wait, ln); err != nil {
			return b, err
		}
		if err := ln.limiter.Acquire(sc.wait); err != nil {
			return b, err
		}
		if b = fresh(b, d.now()); b == nil {
			ln.limiter.Abandon() // nothing left to send
			return nil, nil
		}
		if attempt == 0 {
			start = d.now()
		}
		err := d.attempt(sc.call, ln, b)
		var apiErr *openai.APIError
		isAPIErr := errors.As(err, &apiErr)
		if err == nil || (isAPIErr && !apiErr.Retryable()) {
			ln.health.answered()
		}
		if err == nil || !openai.Retryable(sc.wait, err) {
			return b, err
		}
		now := d.now()
		since := ln.health.failing(now)
		delay := d.backoff.Delay(attempt, err)
		if isAPIErr && apiErr.Class() == openai.ClassRateLimited {
			d.count.rateLimited.Add(1)
			ln.health.pause(now.Add(delay))
		}
		if d.stalled != nil {
			d.stalled()
		}
		if start.Before(since) {
			since = start // a batch that keeps failing while others of its pixel succeed
		}
		remaining := d.budget - now.Sub(since)
		if remaining <= 0 {
			return b, &RetryExhaustedError{Attempts: attempt + 1, Elapsed: now.Sub(since), Last: err}
		}
		delay = min(delay, remaining) // one last attempt at the end of the budget
		d.count.retries.Add(1)
		if err := openai.Sleep(sc.wait, delay); err != nil {
			return b, err
		}
	}
}

// waitPause sleeps until the pixel's pause is over, plus a little jitter (up to a tenth of the
// wait, at most a second), so that the batches a pause held back do not all wake at once into
// the same rate limit. A pixel whose retry budget is spent is not waited for: the batch is given
// up at once, as it would be after one more failure.
func (d *deliverer) waitPause(ctx context.Context, ln *lane) error {
	since, until := ln.health.state()
	now := d.now()
	wait := until.Sub(now)
	if wait <= 0 {
		return ctx.Err()
	}
	if !since.IsZero() && now.Sub(since) >= d.budget {
		return &RetryExhaustedError{Elapsed: now.Sub(since), Last: errPaused}
	}
	return openai.Sleep(ctx, wait+time.Duration(rand.Int64N(int64(min(wait/10, time.Second))+1)))
}

// errPaused is the last error of a batch given up without an attempt: its pixel's retry budget
// was spent and the pixel was still paused by its last rate limit.
var errPaused = errors.New("the pixel is still rate limited and its retry budget is spent")

// attempt makes one request, holding a slot of ln's limiter, and tells the limiter how it went.
func (d *deliverer) attempt(ctx context.Context, ln *lane, b *batch) error {
	attemptCtx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	d.count.requests.Add(1)
	began := d.now()
	res, err := d.client.PostEvents(attemptCtx, b.pixel, b.body)
	if err == nil {
		d.answers.check(b.pixel, len(b.items), res)
	}
	if ctx.Err() != nil {
		ln.limiter.Abandon() // shutting down: not a measurement of the API
		return err
	}
	ln.limiter.Release(concurrency.Result{RTT: d.now().Sub(began), Backpressure: backpressure(err)})
	return err
}

// backpressure tells whether an attempt's failure says the API is overloaded: 429, 408, 5xx,
// or no answer in time.
func backpressure(err error) bool {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Retryable()
	}
	var netErr *openai.NetworkError
	return errors.As(err, &netErr)
}
