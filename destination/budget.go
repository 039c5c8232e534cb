package destination

import (
	"context"
	"sync"
)

// byteBudget bounds the request bodies that are queued or in flight: their bytes, and their
// number (many small bodies waiting help no sender and cost memory of their own). It keeps
// one pixel from holding more than half of either while other pixels hold some: a pixel
// whose requests are slow or retried cannot take the whole budget and starve the others. A
// pixel alone may use it all, unless capped says it must keep to its half (a stuck pixel whose
// further bodies can be spilled: it would hold the rest until its retry budget runs out, and
// the other pixels, arriving later, would wait). It is safe for concurrent use.
type byteBudget struct {
	limit  int64 // bytes
	bodies int   // bodies
	// capped tells whether pixel, about to take a body of n bytes past its half, must keep to
	// its half even alone (nil: never). It is called with mu held and must not call the budget.
	capped func(pixel string, n int64) bool

	mu    sync.Mutex
	used  holding
	held  map[string]holding // by pixel; pixels holding nothing are removed
	freed chan struct{}      // closed at the next release, when someone waits
}

// holding is what the budget, or one pixel, holds.
type holding struct {
	bytes  int64
	bodies int
}

// newByteBudget returns a budget of limit bytes in at most bodies bodies (at least 2).
func newByteBudget(limit int64, bodies int) *byteBudget {
	return &byteBudget{limit: limit, bodies: max(bodies, 2), held: map[string]holding{}}
}

// acquire takes one body of n bytes for pixel, waiting until it fits, or until ctx ends (its
// error is returned and nothing is taken). A body larger than the whole budget is let
// through alone.
func (b *byteBudget) acquire(ctx context.Context, pixel string, n int64) error {
	_, err := b.acquireUnless(ctx, pixel, n, nil)
	return err
}

// acquireUnless is acquire that gives up, taking nothing and returning false, when the body
// does not fit and giveUp (when not nil) says so. giveUp is asked again at every release and
// every nudge; it is called with the budget's lock held and must not call the budget.
func (b *byteBudget) acquireUnless(ctx context.Context, pixel string, n int64, giveUp func() bool) (bool, error) {
	for {
		b.mu.Lock()
		if b.fits(pixel, n) {
			b.takeLocked(pixel, n)
			b.mu.Unlock()
			return true, nil
		}
		if giveUp != nil && giveUp() {
			b.mu.Unlock()
			return false, nil
		}
		if b.freed == nil {
			b.freed = make(chan struct{})
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// tryAcquire takes one body of n bytes for pixel if it fits now, without waiting.
func (b *byteBudget) tryAcquire(pixel string, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.fits(pixel, n) {
		return false
	}
	b.takeLocked(pixel, n)
	return true
}

// takeLocked counts a body of n bytes as pixel's. Called with mu held.
func (b *byteBudget) takeLocked(pixel string, n int64) {
	b.used.bytes += n
	b.used.bodies++
	h := b.held[pixel]
	b.held[pixel] = holding{bytes: h.bytes + n, bodies: h.bodies + 1}
}

// nudge wakes the waiters of acquireUnless, so that they ask giveUp again (a pixel started
// failing or was paused).
func (b *byteBudget) nudge() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wakeLocked()
}

// wakeLocked wakes every waiter. Called with mu held.
func (b *byteBudget) wakeLocked() {
	if b.freed != nil {
		close(b.freed)
		b.freed = nil
	}
}

// fits tells whether pixel may take a body of n bytes now. Called with mu held.
func (b *byteBudget) fits(pixel string, n int64) bool {
	if b.used.bodies == 0 {
		return true
	}
	if b.used.bytes+n > b.limit || b.used.bodies+1 > b.bodies {
		return false
	}
	own := b.held[pixel]
	if own.bytes+n <= b.limit/2 && own.bodies+1 <= b.bodies/2 {
		return true
	}
	return own == b.used && (b.capped == nil || !b.capped(pixel, n))
}

// release gives back a body of n bytes that pixel took.
func (b *byteBudget) release(pixel string, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used.bytes -= n
	b.used.bodies--
	if h := b.held[pixel]; h.bodies > 1 {
		b.held[pixel] = holding{bytes: h.bytes - n, bodies: h.bodies - 1}
	} else {
		delete(b.held, pixel)
	}
	b.wakeLocked()
}
