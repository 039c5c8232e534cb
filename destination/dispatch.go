package destination

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// inputLoop handles stdin's messages until their end, or until reading stops (a failure or a
// signal). It is the only goroutine of the dispatch stage: it enters records and states in the
// ledger, batches events and queues batches on their pixels' lanes, in input order.
func (w *syncWriter) inputLoop(chunks <-chan *chunk) {
	reading := w.stop.reading // its end also ends the waits for room to dispatch
	flush := time.NewTimer(w.opts.flushInterval)
	flush.Stop()
	defer flush.Stop()
	flushArmed := false
	for {
		select {
		case <-reading.Done():
			return
		case <-flush.C:
			flushArmed = false
			w.dispatchAll(reading, w.batcher.flush(w.ready))
		case c, ok := <-chunks:
			if !ok {
				return // closed early: reading stopped
			}
			if c.err != nil {
				w.inputError(c.err)
				return
			}
			select {
			case <-c.prepared: // the preparers finish every chunk they were given while reading goes on
			case <-reading.Done():
				return
			}
			for i, m := range c.msgs {
				if reading.Err() != nil {
					break // a failure or a signal mid-chunk
				}
				if w.handle(reading, m, &c.records[i]) && !flushArmed {
					flush.Reset(w.opts.flushInterval)
					flushArmed = true
				}
			}
			c.done()
		}
	}
}

// inputError ends reading: at the end of input, or on a line that is not a message.
func (w *syncWriter) inputError(err error) {
	if errors.Is(err, io.EOF) {
		return
	}
	var le *protocol.LineError
	if errors.As(err, &le) {
		// Stop reading, but let what was read be delivered and checkpointed.
		w.ledger.fail(&failure{kind: protocol.SystemError, message: fmt.Sprintf("The input is not valid Airbyte protocol: %v.", le)}, false)
		return
	}
	w.ledger.fail(&failure{kind: protocol.SystemError, message: "Reading the input failed.", internal: err.Error()}, true)
}

// handle takes one message. It reports whether a state is now waiting on open batches.
func (w *syncWriter) handle(ctx context.Context, m *protocol.Message, p *preparedRecord) bool {
	switch m.Type {
	case protocol.TypeRecord:
		w.handleRecord(ctx, m.Record, p)
	case protocol.TypeState:
		return w.handleState(m.State)
	}
	return false // TRACE (stream status), LOG, CONTROL and the like need nothing
}

// handleState enters a state in the ledger, which echoes it at once if it is covered. It
// reports whether a state waits while batches are open.
func (w *syncWriter) handleState(s *protocol.State) bool {
	h := &heldState{state: s, read: w.opts.now()}
	global := s.Type != protocol.StateStream
	var id checkpoint.StreamID
	if !global {
		id = w.stateStream(s.Stream)
	}
	return w.ledger.state(id, global, h) && w.batcher.openEvents() > 0
}

// stateStream returns the tracker's id of a STREAM state's stream. A stream the catalog does
// not name gets an id of its own with no records, so its states are echoed as soon as they
// reach the head of the queue, with zero counts.
func (w *syncWriter) stateStream(d protocol.StreamDescriptor) checkpoint.StreamID {
	if rt, ok := w.routes.lookup(d.Namespace, d.Name); ok {
		return rt.id
	}
	id, ok := w.unroutedStates[d]
	if !ok {
		id = checkpoint.StreamID(len(w.routes.byKey) + len(w.unroutedStates))
		w.unroutedStates[d] = id
	}
	return id
}

// handleRecord takes one prepared record: it registers it with the tracker and batches its
// event, or rejects it.
func (w *syncWriter) handleRecord(ctx context.Context, rec *protocol.Record, p *preparedRecord) {
	rt := p.route
	if rt == nil {
		w.warnUnknownStream(rec)
		return
	}
	seq := w.ledger.record(rt.id)
	if p.err != nil {
		w.rejectRecord(rt, seq, rec, p.err)
		return
	}
	w.warnDropped(rt, p.event.Dropped)
	if n := p.event.IdentityDropped; n > 0 {
		w.ledger.identityDropped(rt.id, n)
	}
	it := item{seq: seq, stream: rt.id, record: p.number, ts: p.event.TimestampMS}
	var raw []byte
	if w.keepsRecords() {
		raw, it.emittedAt = rec.Data, int64(rec.EmittedAt)
	}
	w.dispatchAll(ctx, w.batcher.add(rt.pixel, it, p.event.JSON, raw, w.ready))
}

// dispatchAll queues ready batches on their pixels' lanes. It blocks while the bytes queued and
// in flight are at their bound: this is the back-pressure that makes reading stdin wait. A
// batch of a stuck pixel over its share is spilled instead (see spillOrWait). When ctx ends
// first, the batches not handed over stay in w.ready, for the final flush.
func (w *syncWriter) dispatchAll(ctx context.Context, ready []*batch) {
	for i, b := range ready {
		if !w.budget.tryAcquire(b.pixel, b.size()) && !w.spillOrWait(ctx, b) {
			w.ready = ready[i:]
			return
		}
		w.lanes.push(b)
	}
	clear(ready) // let delivered batches go
	w.ready = ready[:0]
}

// spillOrWait waits until b's body fits in the byte budget and takes it, unless b's pixel is
// not making progress (failing, or paused by a rate limit) and the spill has room: then b's
// body is written to the spill file instead, and reading goes on for the other pixels. When a
// spill write fails, it waits as without a spill. It reports false when ctx ends first.
func (w *syncWriter) spillOrWait(ctx context.Context, b *batch) bool {
	n := b.size()
	spill := func() bool { return w.spillable(b.pixel, n) }
	for {
		took, err := w.budget.acquireUnless(ctx, b.pixel, n, spill)
		switch {
		case err != nil:
			return false
		case took:
			return true
		}
		raw := b.takeRaw()
		ref, err := w.spill.put(b.body, raw)
		if err != nil {
			b.giveRaw(raw)
			continue // the store is broken or full now: spillable says false
		}
		if w.spilled.Add(1) == 1 {
			w.logf(protocol.LevelInfo, "Pixel %s is failing or rate limited and holds its share of the memory for waiting batches: its further batches wait in a temporary file in %s (at most %d MiB), and reading goes on for the other pixels.", b.pixel, w.spill.dir, maxSpillBytes>>20)
		}
		b.spilled, b.body = &ref, nil
		return true
	}
}

// spillable tells whether a body of n bytes of pixel may go to the spill file rather than wait
// for the byte budget: the pixel is not making progress and the spill has room.
func (w *syncWriter) spillable(pixel string, n int64) bool {
	return w.lanes.lane(pixel).health.stuck(w.opts.now()) && w.spill.fits(int(n))
}

// closeSpill removes the spill file, if any.
func (w *syncWriter) closeSpill() {
	if err := w.spill.close(); err != nil {
		w.logf(protocol.LevelWarn, "Removing the temporary file of spilled batches failed: %v.", err)
	}
}

// warnUnknownStream warns once per stream that the catalog does not configure.
func (w *syncWriter) warnUnknownStream(rec *protocol.Record) {
	d := protocol.StreamDescriptor{Name: rec.Stream, Namespace: rec.Namespace}
	if w.unknownStreams[d] {
		return
	}
	w.unknownStreams[d] = true
	w.logf(protocol.LevelWarn, "Records of stream %q are ignored: the configured catalog does not include it.", d.String())
}

// warnDropped warns once per stream, field and reason about fields that are not sent (a
// user field may be reported for a malformed value and, separately, for a digest given as
// plaintext; reasons are fixed texts, so the set stays small).
func (w *syncWriter) warnDropped(rt *route, dropped []event.Dropped) {
	if len(dropped) == 0 {
		return
	}
	seen := w.dropWarned[rt.id]
	if seen == nil {
		seen = map[string]bool{}
		w.dropWarned[rt.id] = seen
	}
	for _, d := range dropped {
		key := d.Path + "\x00" + d.Reason
		if seen[key] {
			continue
		}
		seen[key] = true
		w.logf(protocol.LevelWarn, "Stream %q: %s: %s. (Said once per stream and field.)", rt.descriptor.String(), d.Path, d.Reason)
	}
}
