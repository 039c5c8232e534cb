package concurrency

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultInitial is the starting limit when Options.Initial is zero.
const DefaultInitial = 2

// Options configure a Limiter.
type Options struct {
	// Initial is the limit to start with. Zero means DefaultInitial; the
	// value is clamped to [1, Max]. Start low and let the Limiter climb.
	Initial int
	// Max is the largest limit, the configured max_in_flight. It must be at
	// least 1.
	Max int
	// Now returns the current time. Nil means time.Now; tests inject a fake
	// clock.
	Now func() time.Time
}

// Result describes one finished attempt.
type Result struct {
	// RTT is how long the attempt took, from sending the request to the end
	// of the response, also for failed attempts. Non-positive RTTs are not
	// used as latency samples.
	RTT time.Duration
	// Backpressure reports that the API asked us to slow down: HTTP 429, 408
	// or 5xx, or a timeout.
	Backpressure bool
}

// Limiter bounds the number of attempts in flight with a limit that adapts
// to the API's responses; see the package documentation. It is safe for
// concurrent use.
type Limiter struct {
	mu       sync.Mutex
	now      func() time.Time
	max      int
	limit    int
	inFlight int
	waiters  list.List // of chan struct{}, closed when the waiter gets a slot
	ctl      control
}

// New returns a Limiter configured by opts. It panics if opts.Max is less
// than 1, which is a configuration bug caught earlier by validation.
func New(opts Options) *Limiter {
	if opts.Max < 1 {
		panic(fmt.Sprintf("concurrency: Options.Max = %d, want at least 1", opts.Max))
	}
	initial := opts.Initial
	if initial == 0 {
		initial = DefaultInitial
	}
	initial = min(max(initial, 1), opts.Max)
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, max: opts.Max, limit: initial}
}

// Acquire blocks until a slot is free under the current limit, then takes
// it; the caller must hand it back with Release or Abandon. If ctx is done
// first, or already done, Acquire takes nothing and returns ctx.Err().
func (l *Limiter) Acquire(ctx context.Context) error {
	done := ctx.Done()
	l.mu.Lock()
	if err := ctx.Err(); err != nil {
		l.mu.Unlock()
		return err
	}
	if l.inFlight < l.limit && l.waiters.Len() == 0 {
		l.take()
		l.mu.Unlock()
		return nil
	}
	l.ctl.reached = true // someone wanted more than the limit
	ready := make(chan struct{})
	elem := l.waiters.PushBack(ready)
	l.mu.Unlock()

	select {
	case <-ready:
		return nil
	case <-done:
		l.mu.Lock()
		defer l.mu.Unlock()
		select {
		case <-ready:
			// Granted while ctx was being cancelled: give the slot back.
			l.inFlight--
		default:
			l.waiters.Remove(elem)
		}
		l.grant()
		return ctx.Err()
	}
}

// Release hands back a slot taken by Acquire and reports how the attempt
// went, which may move the limit. It panics if no slot is held.
func (l *Limiter) Release(r Result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.put()
	l.limit = l.ctl.observe(l.now(), r, l.limit, l.max, l.inFlight)
	l.grant()
}

// Abandon hands back a slot taken by Acquire without reporting a result,
// for an attempt that was never sent or was cut short by cancellation. It
// panics if no slot is held.
func (l *Limiter) Abandon() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.put()
	l.grant()
}

// Limit returns the current limit, for logs and metrics.
func (l *Limiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// InFlight returns the number of slots currently held. It may exceed Limit
// for a while after a decrease.
func (l *Limiter) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inFlight
}

// take occupies a slot; l.mu must be held.
func (l *Limiter) take() {
	l.inFlight++
	if l.inFlight >= l.limit {
		l.ctl.reached = true
	}
}

// put frees a slot; l.mu must be held.
func (l *Limiter) put() {
	if l.inFlight == 0 {
		panic("concurrency: Release or Abandon without Acquire")
	}
	l.inFlight--
}

// grant hands free slots to waiters in FIFO order; l.mu must be held.
func (l *Limiter) grant() {
	for l.inFlight < l.limit && l.waiters.Len() > 0 {
		ready := l.waiters.Remove(l.waiters.Front()).(chan struct{})
		l.take()
		close(ready)
	}
}
