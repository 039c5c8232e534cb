package checkpoint

import (
	"errors"
	"fmt"
)

// StreamID identifies a configured stream. The caller assigns small dense
// non-negative ints, for example the stream's index in the configured
// catalog; the Tracker keeps a small amount of state per id up to the
// largest one seen.
type StreamID int

// globalScope marks a pending state that is GLOBAL or LEGACY.
const globalScope StreamID = -1

// Seq is the ticket for one record, returned by Record and handed back to
// Done. It is opaque: tickets are unique among records not yet done, but they
// are not ordered and a ticket's number may come back (with a different
// generation) after Done. The zero Seq is never issued.
type Seq uint64

// String formats s as slot.generation, for logs.
func (s Seq) String() string {
	return fmt.Sprintf("%d.%d", uint32(s), uint32(s>>32))
}

// Outcome is the final outcome of one record.
type Outcome uint8

const (
	// Delivered means the remote API accepted the record.
	Delivered Outcome = iota + 1
	// Rejected means the record was definitively rejected and will not be
	// retried; it counts as rejectedRecordCount.
	Rejected
)

// String returns "delivered" or "rejected".
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Rejected:
		return "rejected"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Errors returned by Done, wrapped with the offending Seq.
var (
	// ErrUnknownSeq means the Seq was never issued by this Tracker.
	ErrUnknownSeq = errors.New("unknown record ticket")
	// ErrAlreadyDone means Done was already called for the Seq.
	ErrAlreadyDone = errors.New("record already done")
	// ErrBadOutcome means the Outcome is neither Delivered nor Rejected.
	ErrBadOutcome = errors.New("invalid outcome")
)

// Stats are the destination statistics of a released state: the records of
// its span (since the previous state of the same scope) that were delivered
// and that were rejected. Their sum is the number of records in the span.
type Stats struct {
	Delivered, Rejected int64
}

// Released is a state that may now be echoed, with its statistics.
type Released struct {
	// Payload is the value passed to StreamState or GlobalState, unchanged.
	Payload any
	// Stats counts the outcomes of the records in the state's span.
	Stats Stats
}

// pendingState is a state that has been read but not yet released.
type pendingState struct {
	payload any
	scope   StreamID // stream of a STREAM state, or globalScope
	seg     uint64   // id of the segment the state closes in its scope
}

// slot holds one record that is not yet done.
type slot struct {
	gen       uint32 // incremented each time the slot is handed out
	live      bool   // the record is waiting for Done
	stream    StreamID
	streamSeg uint64
	globalSeg uint64
}

// Tracker tracks records and states read by the write command and releases
// each state once every record it covers has a final outcome. The zero value
// is not usable; call New. A Tracker is not safe for concurrent use.
type Tracker struct {
	global  segments
	streams []segments
	states  ring[pendingState]
	slots   []slot
	free    []uint32 // indexes of slots not in use, used LIFO
	pending int      // records not yet done
	out     []Released
}

// New returns an empty Tracker.
func New() *Tracker {
	return &Tracker{}
}

// Record notes that a record of stream s was read and returns its ticket,
// which must be passed to Done exactly once. It panics if s is negative.
func (t *Tracker) Record(s StreamID) Seq {
	st := t.stream(s)
	idx := t.alloc()
	sl := &t.slots[idx]
	sl.gen++
	sl.live = true
	sl.stream = s
	sl.streamSeg = st.open()
	sl.globalSeg = t.global.open()
	st.get(sl.streamSeg).pending++
	t.global.get(sl.globalSeg).pending++
	t.pending++
	return Seq(uint64(sl.gen)<<32 | uint64(idx))
}

// StreamState notes that a STREAM state of stream s was read. The payload is
// opaque to the Tracker and comes back unchanged from Ready. The state covers
// the records of s read before it, and its Stats count the records of s read
// since the previous STREAM state of s. It panics if s is negative.
func (t *Tracker) StreamState(s StreamID, payload any) {
	seg := t.stream(s).close()
	t.states.push(pendingState{payload: payload, scope: s, seg: seg})
}

// GlobalState notes that a GLOBAL or LEGACY state was read. It covers every
// record read before it, and its Stats count the records of all streams read
// since the previous GLOBAL or LEGACY state.
func (t *Tracker) GlobalState(payload any) {
	seg := t.global.close()
	t.states.push(pendingState{payload: payload, scope: globalScope, seg: seg})
}

// Done records the final outcome of the record with ticket seq. Records may
// finish in any order. It returns an error wrapping ErrUnknownSeq,
// ErrAlreadyDone or ErrBadOutcome, and then changes nothing; an error here
// is a bug in the caller. Call Ready afterwards to collect released states.
func (t *Tracker) Done(seq Seq, o Outcome) error {
	sl, err := t.lookup(seq)
	if err == nil && o != Delivered && o != Rejected {
		err = ErrBadOutcome
	}
	if err != nil {
		return fmt.Errorf("checkpoint: done %v (%v): %w", seq, o, err)
	}
	sc := t.streams[sl.stream].get(sl.streamSeg)
	gc := t.global.get(sl.globalSeg)
	sc.pending--
	gc.pending--
	if o == Delivered {
		sc.delivered++
		gc.delivered++
	} else {
		sc.rejected++
		gc.rejected++
	}
	sl.live = false
	t.free = append(t.free, uint32(seq))
	t.pending--
	return nil
}

// Ready returns the states that may now be echoed, in the order they were
// read, and forgets them; each state is returned exactly once. It stops at
// the first state that still has pending records, so a blocked state holds
// back every later one. The result may be empty. The returned slice is reused
// by the next call to Ready: copy what must outlive that call.
func (t *Tracker) Ready() []Released {
	clear(t.out)
	t.out = t.out[:0]
	for t.states.len() > 0 {
		ps := t.states.front()
		segs := &t.global
		if ps.scope != globalScope {
			segs = &t.streams[ps.scope]
		}
		c := segs.get(ps.seg)
		if c.pending > 0 {
			break
		}
		t.out = append(t.out, Released{
			Payload: ps.payload,
			Stats:   Stats{Delivered: c.delivered, Rejected: c.rejected},
		})
		segs.drop(ps.seg)
		t.states.pop()
	}
	return t.out
}

// PendingStates returns the number of states read but not yet released.
func (t *Tracker) PendingStates() int { return t.states.len() }

// PendingRecords returns the number of records read but not yet done.
func (t *Tracker) PendingRecords() int { return t.pending }

// stream returns the segments of stream s, growing the table as needed.
func (t *Tracker) stream(s StreamID) *segments {
	if s < 0 {
		panic(fmt.Sprintf("checkpoint: negative StreamID %d", s))
	}
	for int(s) >= len(t.streams) {
		t.streams = append(t.streams, segments{})
	}
	return &t.streams[s]
}

// alloc returns the index of a free slot.
func (t *Tracker) alloc() uint32 {
	if n := len(t.free); n > 0 {
		idx := t.free[n-1]
		t.free = t.free[:n-1]
		return idx
	}
	t.slots = append(t.slots, slot{})
	return uint32(len(t.slots) - 1)
}

// lookup returns the live slot named by seq.
func (t *Tracker) lookup(seq Seq) (*slot, error) {
	idx, gen := uint32(seq), uint32(seq>>32)
	if gen == 0 || uint64(idx) >= uint64(len(t.slots)) {
		return nil, ErrUnknownSeq
	}
	sl := &t.slots[idx]
	switch {
	case sl.gen < gen:
		return nil, ErrUnknownSeq
	case sl.gen > gen || !sl.live:
		return nil, ErrAlreadyDone
	}
	return sl, nil
}
