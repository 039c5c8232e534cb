package destination

import (
	"cmp"
	"slices"
	"unsafe"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
)

// maxBodyBytes caps the body of one request, as peers of this API do (4 MiB).
const maxBodyBytes = 4 << 20

// item is one event in a batch: its checkpoint ticket, where it came from, its time (for the
// send-time window) and where its JSON sits in the batch's body.
type item struct {
	seq        checkpoint.Seq
	stream     checkpoint.StreamID
	record     int64 // the record's 1-based number in its stream
	ts         int64 // the event's timestamp_ms
	start, end int   // the event's bytes: body[start:end]
	// raw is the record's data as the platform sent it, kept only when rejected records are
	// stored (see bucketKeeper), with its emitted_at. It is the record's own memory (the reader
	// gave each record its data), shared and never written: carrying it costs no copy.
	raw       []byte
	emittedAt int64
}

// batch is one request's worth of events for one pixel. Its body is built as events are
// added, and is sent byte for byte the same on every retry.
type batch struct {
	pixel string
	body  []byte
	items []item
	// rawBytes counts its items' record data (see item.raw), held with the batch. rawLens keeps
	// their lengths while the data waits in the spill file with the body.
	rawBytes int
	rawLens  []int
	open     bool // still in the batcher, taking events
	// spilled is where the body waits while it is in the spill file (body is then nil); nil
	// for a body in memory, which holds its bytes of the byte budget.
	spilled *spillRef
}

// size is what the batch holds of the byte budget: its body and its records' data.
func (bt *batch) size() int64 { return int64(len(bt.body) + bt.rawBytes) }

// takeRaw gathers the items' record data into one slice (for the spill file) and lets the items
// go of it; giveRaw hands it back to them after the spill file is read.
func (bt *batch) takeRaw() []byte {
	if bt.rawBytes == 0 {
		return nil
	}
	out := make([]byte, 0, bt.rawBytes)
	bt.rawLens = make([]int, len(bt.items))
	for i := range bt.items {
		out = append(out, bt.items[i].raw...)
		bt.rawLens[i] = len(bt.items[i].raw)
		bt.items[i].raw = nil
	}
	return out
}

func (bt *batch) giveRaw(raw []byte) {
	for i, n := range bt.rawLens {
		bt.items[i].raw, raw = raw[:n:n], raw[n:]
	}
	bt.rawLens = nil
}

// IntegrationSource is the integration_source sent on every request: it names this connector
// to OpenAI (reference §0.2: "identifies the integration sending the request; does not affect
// authentication or authorization"). It matches ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$.
const IntegrationSource = "airbyte-destination-openai-ads-conversions"

// bodyHeader opens a body; validate_only is the configuration's.
func bodyHeader(validateOnly bool) string {
	if validateOnly {
		return `{"validate_only":true,"integration_source":"` + IntegrationSource + `","events":[`
	}
	return `{"validate_only":false,"integration_source":"` + IntegrationSource + `","events":[`
}

const bodyTrailer = "]}"

// maxEventBytes is the longest event that can ever be sent, alone in a body: the preparer
// refuses longer ones (rule event_size).
func maxEventBytes(validateOnly bool) int {
	return maxBodyBytes - len(bodyHeader(validateOnly)) - len(bodyTrailer)
}

// maxOpenBytes bounds the memory of the open batches of all pixels together (their bodies'
// and item lists' capacity). When an event takes them past it, the largest open batches are
// sealed, and handed back as ready, until half of it is free. With the byte budget of queued
// and in-flight bodies (maxQueuedBodyBytes), it bounds the memory of request bodies whatever
// the number of pixels.
const maxOpenBytes = 8 << 20

// itemBytes is the memory of one item, for the accounting of open batches.
const itemBytes = int(unsafe.Sizeof(item{}))

// batcher groups events into batches per pixel, each of at most maxEvents events and
// maxBodyBytes bytes. An open batch grows as it is filled: it reserves nothing ahead. It is a
// plain data structure, not safe for concurrent use.
type batcher struct {
	maxEvents    int
	validateOnly bool
	maxOpen      int               // bound of openBytes (maxOpenBytes; smaller in tests)
	open         map[string]*batch // by pixel
	order        []*batch          // open batches in the order they were started; sealed ones are skipped
	sealedInList int               // sealed batches still in order
	openBytes    int               // capacity held by open batches
	events       int               // events in open batches
}

func newBatcher(maxEvents int, validateOnly bool) *batcher {
	return &batcher{maxEvents: maxEvents, validateOnly: validateOnly, maxOpen: maxOpenBytes, open: map[string]*batch{}}
}

// add puts one event (which must fit, see maxEventBytes) into its pixel's open batch, with its
// record's data raw when rejected records are stored (nil otherwise). It returns the batches
// that became ready to send: the previous open batch when the event did not fit in it, the
// batch this event filled, and the largest open batches when the open batches hold more than
// their bound.
func (b *batcher) add(pixel string, it item, event, raw []byte, ready []*batch) []*batch {
	cur := b.open[pixel]
	if cur != nil && len(cur.body)+1+len(event)+len(bodyTrailer) > maxBodyBytes {
		ready = append(ready, b.take(cur))
		cur = nil
	}
	if cur == nil {
		cur = &batch{pixel: pixel, open: true}
		b.open[pixel] = cur
		if b.sealedInList > len(b.order)/2 {
			b.compact()
		}
		b.order = append(b.order, cur)
		b.grow(cur, len(bodyHeader(b.validateOnly))+len(event)+len(bodyTrailer))
		cur.body = append(cur.body, bodyHeader(b.validateOnly)...)
	} else {
		b.grow(cur, 1+len(event)+len(bodyTrailer))
		cur.body = append(cur.body, ',')
	}
	it.start = len(cur.body)
	cur.body = append(cur.body, event...)
	it.end = len(cur.body)
	if len(raw) > 0 {
		it.raw = raw
		cur.rawBytes += len(raw)
		b.openBytes += len(raw)
	}
	if len(cur.items) == cap(cur.items) {
		before := cap(cur.items)
		cur.items = append(cur.items, it)
		b.openBytes += (cap(cur.items) - before) * itemBytes
	} else {
		cur.items = append(cur.items, it)
	}
	b.events++
	if len(cur.items) >= b.maxEvents {
		ready = append(ready, b.take(cur))
	}
	if b.openBytes > b.maxOpen {
		ready = b.shed(ready)
	}
	return ready
}

// reserveAfter is how many events a batch has when it may reserve room for the rest at once
// (see grow).
const reserveAfter = 64

// grow makes room for n more bytes in an open batch's body (always with room left for the
// trailer) and counts what it takes. The capacity doubles, but not past what the batch
// will need when full, judged from its events so far (with an eighth more), nor past
// maxBodyBytes: a full batch has little room to spare. A batch of reserveAfter events or
// more, a busy pixel's, takes that whole room at once, saving the copies of doubling, as
// long as the open batches stay under half their bound.
func (b *batcher) grow(cur *batch, n int) {
	if cap(cur.body)-len(cur.body) >= n {
		return
	}
	size := 2 * cap(cur.body)
	if k := len(cur.items); k > 0 {
		full := len(cur.body) + n + len(cur.body)/k*(b.maxEvents-k-1)*9/8
		if k >= reserveAfter && b.openBytes+full-cap(cur.body) <= b.maxOpen/2 {
			size = full
		} else {
			size = min(size, full)
		}
	}
	size = max(min(size, maxBodyBytes), len(cur.body)+n)
	body := make([]byte, len(cur.body), size)
	copy(body, cur.body)
	b.openBytes += size - cap(cur.body)
	cur.body = body
}

// take seals an open batch and removes it from the batcher.
func (b *batcher) take(cur *batch) *batch {
	delete(b.open, cur.pixel)
	cur.open = false
	b.openBytes -= cap(cur.body) + cur.rawBytes + cap(cur.items)*itemBytes
	b.events -= len(cur.items)
	b.sealedInList++
	cur.body = append(cur.body, bodyTrailer...) // within capacity: grow keeps room for it
	if spare := cap(cur.body) - len(cur.body); spare > len(cur.body)/4 {
		cur.body = slices.Clip(slices.Clone(cur.body)) // the byte budget counts len: do not hold much more
	}
	return cur
}

// compact drops sealed batches from order.
func (b *batcher) compact() {
	kept := b.order[:0]
	for _, cur := range b.order {
		if cur.open {
			kept = append(kept, cur)
		}
	}
	clear(b.order[len(kept):])
	b.order = kept
	b.sealedInList = 0
}

// shed seals the largest open batches until their memory is at most half of the bound.
func (b *batcher) shed(ready []*batch) []*batch {
	b.compact()
	largest := slices.Clone(b.order)
	slices.SortFunc(largest, func(x, y *batch) int { return cmp.Compare(cap(y.body), cap(x.body)) })
	for _, cur := range largest {
		if b.openBytes <= b.maxOpen/2 {
			break
		}
		ready = append(ready, b.take(cur))
	}
	return ready
}

// flush seals every open batch, oldest first.
func (b *batcher) flush(ready []*batch) []*batch {
	for _, cur := range b.order {
		if cur.open {
			ready = append(ready, b.take(cur))
		}
	}
	clear(b.order)
	b.order, b.sealedInList = b.order[:0], 0
	return ready
}

// openEvents counts the events waiting in open batches.
func (b *batcher) openEvents() int { return b.events }

// split divides a sealed batch of two or more events into two halves with bodies of their own.
func (bt *batch) split(validateOnly bool) (*batch, *batch) {
	mid := len(bt.items) / 2
	return bt.subset(bt.items[:mid], validateOnly), bt.subset(bt.items[mid:], validateOnly)
}

// subset builds a sealed batch of some of bt's events. It shares bt's records' data (never
// written once a batch is sealed; the items keep their offsets in it): copying it for every
// refusal of the API cost as much as the body again.
func (bt *batch) subset(items []item, validateOnly bool) *batch {
	size := len(bodyHeader(validateOnly)) + len(bodyTrailer)
	for _, it := range items {
		size += it.end - it.start + 1
	}
	out := &batch{pixel: bt.pixel, body: make([]byte, 0, size), items: make([]item, len(items))}
	out.body = append(out.body, bodyHeader(validateOnly)...)
	for i, it := range items {
		if i > 0 {
			out.body = append(out.body, ',')
		}
		start := len(out.body)
		out.body = append(out.body, bt.body[it.start:it.end]...)
		it.start, it.end = start, len(out.body)
		out.rawBytes += len(it.raw)
		out.items[i] = it
	}
	out.body = append(out.body, bodyTrailer...)
	return out
}

// without builds a sealed batch of bt's events whose drop flag is false; it returns nil when
// none is left. drop has one flag per item.
func (bt *batch) without(drop []bool, validateOnly bool) *batch {
	keep := make([]item, 0, len(bt.items))
	for i, it := range bt.items {
		if !drop[i] {
			keep = append(keep, it)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return bt.subset(keep, validateOnly)
}
