package destination

import (
	"context"
	"sync"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/concurrency"
)

// lane is one pixel's side of sending: its queue of batches, the senders working on them, its
// own adaptive limiter, its rate-limit pause, and how long it has been failing. A pixel that is
// throttled or failing slows down its own lane only.
type lane struct {
	pixel   string
	limiter *concurrency.Limiter

	// Guarded by lanes.mu.
	queue  []*batch
	head   int  // index of the first queued batch in queue
	active int  // senders working on a batch of this lane
	ready  bool // in lanes.ready

	health laneHealth
}

// queued counts the batches waiting for a sender. Called with lanes.mu held.
func (ln *lane) queued() int { return len(ln.queue) - ln.head }

// pop takes the first queued batch. Called with lanes.mu held.
func (ln *lane) pop() *batch {
	b := ln.queue[ln.head]
	ln.queue[ln.head] = nil
	ln.head++
	if ln.head == len(ln.queue) {
		ln.queue, ln.head = ln.queue[:0], 0
	}
	return b
}

// laneHealth is how a pixel has been answering: since when every attempt failed with an error
// worth retrying (zero while it answers), and until when it asked to be left alone.
type laneHealth struct {
	mu           sync.Mutex
	failingSince time.Time
	pausedUntil  time.Time
}

// failing notes a retryable failure at now and returns since when the pixel has been failing.
func (h *laneHealth) failing(now time.Time) time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failingSince.IsZero() {
		h.failingSince = now
	}
	return h.failingSince
}

// answered notes an answer that is not worth retrying (a 2xx or a refusal): the pixel works.
func (h *laneHealth) answered() {
	h.mu.Lock()
	h.failingSince = time.Time{}
	h.mu.Unlock()
}

// pause holds the pixel's attempts until until.
func (h *laneHealth) pause(until time.Time) {
	h.mu.Lock()
	if until.After(h.pausedUntil) {
		h.pausedUntil = until
	}
	h.mu.Unlock()
}

// stuck tells whether the pixel is not making progress at now: it is failing, or paused by a
// rate limit.
func (h *laneHealth) stuck(now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.failingSince.IsZero() || h.pausedUntil.After(now)
}

// state returns since when the pixel has been failing (zero when it is not) and until when it
// is paused.
func (h *laneHealth) state() (failingSince, pausedUntil time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failingSince, h.pausedUntil
}

// lanes hands batches to senders, one lane per pixel. A sender takes the next batch of the
// next lane, round robin, whose active senders are below both the lane's limiter's limit and
// its fair share (max_in_flight divided among the lanes that have batches waiting); when no
// lane is under its share, a lane under its limit may take a free sender. So a pixel whose
// limit fell to 1 holds one sender, and a pixel that arrives later gets the next free one.
// Safe for concurrent use.
type lanes struct {
	senders int // max_in_flight: the number of senders, and each limiter's Max
	now     func() time.Time

	mu      sync.Mutex
	byPixel map[string]*lane
	ready   []*lane // lanes with queued batches, in round-robin order
	queued  int     // batches queued in every lane
	closed  bool
	wake    chan struct{} // closed and replaced when a batch is queued or a sender frees up
}

func newLanes(senders int, now func() time.Time) *lanes {
	return &lanes{senders: senders, now: now, byPixel: map[string]*lane{}, wake: make(chan struct{})}
}

// lane returns pixel's lane, creating it on first use.
func (l *lanes) lane(pixel string) *lane {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.laneLocked(pixel)
}

func (l *lanes) laneLocked(pixel string) *lane {
	ln := l.byPixel[pixel]
	if ln == nil {
		ln = &lane{pixel: pixel, limiter: concurrency.New(concurrency.Options{Max: l.senders, Now: l.now})}
		l.byPixel[pixel] = ln
	}
	return ln
}

// push queues a batch on its pixel's lane. It never blocks: the byte budget bounds what is
// queued.
func (l *lanes) push(b *batch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln := l.laneLocked(b.pixel)
	ln.queue = append(ln.queue, b)
	l.queued++
	if !ln.ready {
		ln.ready = true
		l.ready = append(l.ready, ln)
	}
	l.broadcast()
}

// close says that no batch will be pushed any more: take returns false once every queue is
// empty.
func (l *lanes) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.broadcast()
}

// take waits for a batch a sender may work on and returns it with its lane; the sender calls
// done(lane) when it has finished with it. It returns false when the lanes are closed and
// empty, or when ctx ends.
func (l *lanes) take(ctx context.Context) (*batch, *lane, bool) {
	for {
		l.mu.Lock()
		if b, ln := l.pick(); b != nil {
			l.mu.Unlock()
			return b, ln, true
		}
		if l.closed && l.queued == 0 {
			l.mu.Unlock()
			return nil, nil, false
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, nil, false
		}
	}
}

// done gives back the sender a batch of ln took.
func (l *lanes) done(ln *lane) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln.active--
	l.broadcast()
}

// pick takes the next batch under the rules of lanes, or returns nil. Called with mu held.
func (l *lanes) pick() (*batch, *lane) {
	if len(l.ready) == 0 {
		return nil, nil
	}
	share := max(1, l.senders/len(l.ready))
	for _, fair := range []bool{true, false} {
		for range len(l.ready) {
			ln := l.ready[0]
			l.ready = append(l.ready[1:], ln) // rotate: the next pick starts with the next lane
			limit := ln.limiter.Limit()
			if fair {
				limit = min(limit, share)
			}
			if ln.active >= limit {
				continue
			}
			b := ln.pop()
			ln.active++
			l.queued--
			if ln.queued() == 0 {
				ln.ready = false
				l.ready = l.ready[:len(l.ready)-1] // ln is last after the rotation
			}
			return b, ln
		}
	}
	return nil, nil
}

// broadcast wakes every waiting sender. Called with mu held.
func (l *lanes) broadcast() {
	close(l.wake)
	l.wake = make(chan struct{})
}

// inFlight sums the attempts in flight and the limits of the lanes, for the progress line.
func (l *lanes) inFlight() (inFlight, limit int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ln := range l.byPixel {
		inFlight += ln.limiter.InFlight()
		limit += ln.limiter.Limit()
	}
	return inFlight, min(limit, l.senders)
}
