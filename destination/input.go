package destination

import (
	"context"
	"io"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sync/semaphore"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// chunk is a run of messages from stdin with their records prepared, or the error that ended
// reading. The input loop receives chunks in input order and waits for prepared before
// using records.
type chunk struct {
	msgs     []*protocol.Message
	records  []preparedRecord // one per message; set for records of configured streams
	prepared chan struct{}    // closed once every record of the chunk is prepared
	err      error            // io.EOF at the end of input
	ahead    *semaphore.Weighted
	held     int64 // of ahead, given back by done
}

// done gives back the chunk's share of the read-ahead bound, once the input loop has handled
// it. It is called once.
func (c *chunk) done() {
	if c.held > 0 {
		c.ahead.Release(c.held)
	}
}

// preparedRecord is a record's route, its number in its stream, and its event, or why it was
// refused.
type preparedRecord struct {
	route  *route // nil for a stream outside the catalog
	number int64  // from 1, in the record's stream
	event  event.Event
	err    error
}

// startInput reads stdin on one goroutine and prepares records on one goroutine per CPU,
// so that decoding and validating records uses every core while batching stays in order.
// The returned channel yields chunks in input order and is closed at the end of input or
// when ctx is done. At most chunksAhead chunks are read ahead: reading stdin waits on the
// input loop. The preparers end when the reader has, or when ctx is done: wait for them with
// the returned group. The reader ends with the input or when ctx is done, unless it is blocked
// in a Read of stdin, which nothing can wake: then it ends at the next line or the end of
// input (see run).
func (w *syncWriter) startInput(ctx context.Context, stdin io.Reader) (<-chan *chunk, *sync.WaitGroup) {
	ordered := make(chan *chunk, chunksAhead)
	toPrepare := make(chan *chunk, chunksAhead)
	ahead := semaphore.NewWeighted(maxReadAheadBytes)
	go func() {
		defer w.recoverPanic()
		readInput(ctx, protocol.NewReader(stdin, 0), ahead, ordered, toPrepare, w.recordNumberer())
	}()
	preparers := &sync.WaitGroup{}
	for range runtime.GOMAXPROCS(0) {
		preparers.Go(func() {
			for {
				select {
				case c, ok := <-toPrepare:
					if !ok {
						return
					}
					w.prepareSafely(c)
				case <-ctx.Done():
					return
				}
			}
		})
	}
	return ordered, preparers
}

// prepareSafely prepares a chunk and always marks it prepared, even if preparing panics (our
// bug), which then fails the sync.
func (w *syncWriter) prepareSafely(c *chunk) {
	defer close(c.prepared)
	defer w.recoverPanic()
	w.prepareChunk(c)
}

// recordNumberer returns the function that routes the records of a chunk and numbers them in
// their streams. It runs on the reader, which sees every record in input order, so that the
// preparers, running ahead of the input loop in parallel, know each record's number.
func (w *syncWriter) recordNumberer() func([]*protocol.Message) []preparedRecord {
	received := make([]int64, len(w.routes.byKey))
	return func(msgs []*protocol.Message) []preparedRecord {
		records := make([]preparedRecord, len(msgs))
		for i, m := range msgs {
			if m.Type != protocol.TypeRecord {
				continue
			}
			if rt, ok := w.routes.lookup(m.Record.Namespace, m.Record.Stream); ok {
				received[rt.id]++
				records[i] = preparedRecord{route: rt, number: received[rt.id]}
			}
		}
		return records
	}
}

// readInput hands messages over in chunks: when a chunk has chunkSize messages or chunkBytes
// of record data, or as soon as no more input is waiting, so that a slow source's last
// records are never held back. It closes both channels when it returns.
//
// The record data of the chunks handed over and not yet handled by the input loop is at
// most maxReadAheadBytes, plus the chunk being read. A chunk larger than that bound (a
// record of tens of MB) is the only one ahead: reading waits until it is handled. So
// memory holds about one large record at a time.
//
// number routes and numbers the records of a chunk (see recordNumberer); nil leaves them
// unrouted.
func readInput(ctx context.Context, r *protocol.Reader, ahead *semaphore.Weighted, ordered, toPrepare chan<- *chunk, number func([]*protocol.Message) []preparedRecord) {
	defer close(ordered)
	defer close(toPrepare)
	send := func(ch chan<- *chunk, c *chunk) bool {
		select {
		case ch <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	// A chunk goes to the preparers first, so that every chunk the input loop waits on is
	// one a preparer will finish.
	handOver := func(msgs []*protocol.Message, size int) bool {
		held := min(int64(size), maxReadAheadBytes)
		if held > 0 && ahead.Acquire(ctx, held) != nil {
			return false
		}
		c := &chunk{msgs: msgs, prepared: make(chan struct{}), ahead: ahead, held: held}
		if number != nil {
			c.records = number(msgs)
		} else {
			c.records = make([]preparedRecord, len(msgs))
		}
		if !send(toPrepare, c) || !send(ordered, c) {
			return false
		}
		if held == maxReadAheadBytes { // a chunk as large as the bound: wait until it is handled
			if ahead.Acquire(ctx, maxReadAheadBytes) != nil {
				return false
			}
			ahead.Release(maxReadAheadBytes)
		}
		return true
	}
	msgs := make([]*protocol.Message, 0, chunkSize)
	size := 0
	for {
		m, err := r.Next()
		if err != nil {
			if len(msgs) > 0 && !handOver(msgs, size) {
				return
			}
			done := make(chan struct{})
			close(done)
			send(ordered, &chunk{prepared: done, err: err})
			return
		}
		msgs = append(msgs, m)
		if m.Record != nil {
			size += len(m.Record.Data)
		}
		if len(msgs) == chunkSize || size >= chunkBytes || r.Buffered() == 0 {
			if !handOver(msgs, size) {
				return
			}
			msgs, size = make([]*protocol.Message, 0, chunkSize), 0
		}
	}
}

// prepareChunk prepares every routed record of a chunk. It runs on several goroutines at
// once: it only reads the syncWriter (its preparer).
func (w *syncWriter) prepareChunk(c *chunk) {
	for i, m := range c.msgs {
		p := &c.records[i]
		if p.route == nil {
			continue
		}
		// The record's data is its own (the reader copied it, or gave it its line) and is
		// never written again: the preparer reads it without a copy.
		data := m.Record.Data
		p.event, p.err = w.prep.PrepareString(p.route.name, p.number, unsafe.String(unsafe.SliceData(data), len(data)))
		// The event replaces the data: let it go early, unless rejected records are stored
		// (the batch, or the rejection, then takes a copy of it for the bucket).
		if !w.keepsRecords() {
			m.Record.Data = nil
		}
	}
}
