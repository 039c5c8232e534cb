package destination

import (
	"bytes"

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
}

// batch is one request's worth of events for one pixel. Its body is built as events are
// added, and is sent byte for byte the same on every retry.
type batch struct {
	pixel string
	body  []byte
	items []item
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

// fits tells whether an event of n bytes can ever be sent, alone in a body.
func fits(n int, validateOnly bool) bool {
	return len(bodyHeader(validateOnly))+n+len(bodyTrailer) <= maxBodyBytes
}

// batcher groups events into batches per pixel, each of at most maxEvents events and
// maxBodyBytes bytes. It is a plain data structure, not safe for concurrent use.
type batcher struct {
	maxEvents    int
	validateOnly bool
	open         map[string]*batch
	order        []string // pixels in the order their open batch was started
}

func newBatcher(maxEvents int, validateOnly bool) *batcher {
	return &batcher{maxEvents: maxEvents, validateOnly: validateOnly, open: map[string]*batch{}}
}

// add puts one event (which must fit, see fits) into its pixel's open batch. It returns the
// batches that became ready to send: the previous open batch when the event did not fit in
// it, and the batch this event filled.
func (b *batcher) add(pixel string, it item, event []byte, ready []*batch) []*batch {
	cur := b.open[pixel]
	if cur != nil && len(cur.body)+1+len(event)+len(bodyTrailer) > maxBodyBytes {
		ready = append(ready, b.take(pixel))
		cur = nil
	}
	if cur == nil {
		cur = &batch{pixel: pixel, body: make([]byte, 0, b.bodyCapacity(len(event)))}
		cur.body = append(cur.body, bodyHeader(b.validateOnly)...)
		b.open[pixel] = cur
		b.order = append(b.order, pixel)
	} else {
		cur.body = append(cur.body, ',')
	}
	it.start = len(cur.body)
	cur.body = append(cur.body, event...)
	it.end = len(cur.body)
	cur.items = append(cur.items, it)
	if len(cur.items) >= b.maxEvents {
		ready = append(ready, b.take(pixel))
	}
	return ready
}

// bodyCapacity guesses a new body's size from its first event, to avoid regrowing it.
func (b *batcher) bodyCapacity(eventBytes int) int {
	return min(maxBodyBytes, 64+(eventBytes+1)*b.maxEvents*5/4) // room for events 25% larger
}

// take seals and removes a pixel's open batch.
func (b *batcher) take(pixel string) *batch {
	cur := b.open[pixel]
	delete(b.open, pixel)
	for i, p := range b.order {
		if p == pixel {
			b.order = append(b.order[:i], b.order[i+1:]...)
			break
		}
	}
	cur.body = append(cur.body, bodyTrailer...)
	if cap(cur.body)-len(cur.body) > len(cur.body) {
		cur.body = bytes.Clone(cur.body) // a batch less than half full: do not hold the whole estimate
	}
	return cur
}

// flush seals every open batch, oldest first.
func (b *batcher) flush(ready []*batch) []*batch {
	for len(b.order) > 0 {
		ready = append(ready, b.take(b.order[0]))
	}
	return ready
}

// openEvents counts the events waiting in open batches.
func (b *batcher) openEvents() int {
	n := 0
	for _, cur := range b.open {
		n += len(cur.items)
	}
	return n
}

// split divides a sealed batch of two or more events into two halves with bodies of their own.
func (bt *batch) split(validateOnly bool) (*batch, *batch) {
	mid := len(bt.items) / 2
	return bt.subset(bt.items[:mid], validateOnly), bt.subset(bt.items[mid:], validateOnly)
}

// subset builds a sealed batch of some of bt's events.
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
