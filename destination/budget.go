package destination

import (
	"context"
	"sync"
)

// byteBudget bounds the bytes of the request bodies that are queued or in flight, and keeps
// one pixel from holding more than half of them while other pixels hold some too: a pixel
// whose requests are slow or retried cannot take the whole budget and starve the others. A
// pixel alone may use it all. It is safe for concurrent use.
type byteBudget struct {
	limit int64

	mu    sync.Mutex
	used  int64
	held  map[string]int64 // by pixel; pixels holding nothing are removed
	freed chan struct{}    // closed at the next release, when someone waits
}

func newByteBudget(limit int64) *byteBudget {
	return &byteBudget{limit: limit, held: map[string]int64{}}
}

// acquire takes n bytes for pixel, waiting until they fit, or until ctx ends (its error is
// returned and nothing is taken). A body larger than the whole budget is let through alone.
func (b *byteBudget) acquire(ctx context.Context, pixel string, n int64) error {
	for {
		b.mu.Lock()
		if b.fits(pixel, n) {
			b.used += n
			b.held[pixel] += n
			b.mu.Unlock()
			return nil
		}
		if b.freed == nil {
			b.freed = make(chan struct{})
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// fits tells whether pixel may take n more bytes now. Called with mu held.
func (b *byteBudget) fits(pixel string, n int64) bool {
	if b.used == 0 {
		return true
	}
	if b.used+n > b.limit {
		return false
	}
	own := b.held[pixel]
	return own == b.used || own+n <= b.limit/2
}

// release gives back n bytes that pixel took.
func (b *byteBudget) release(pixel string, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if left := b.held[pixel] - n; left > 0 {
		b.held[pixel] = left
	} else {
		delete(b.held, pixel)
	}
	if b.freed != nil {
		close(b.freed)
		b.freed = nil
	}
}
