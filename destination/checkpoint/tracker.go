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
type Released[P any] struct {
	// Payload is the value passed to StreamState or GlobalState, unchanged.
	Payload P
	// Stats counts the outcomes of the records in the state's span.
	Stats Stats
}

// pendingState is a state that has been read but not yet released.
type pendingState[P any] struct {
	payload P
	seg     uint64 // id of the segment the state closes in its scope
	epoch   uint64 // GLOBAL or LEGACY states read before it
}

// slot holds one record that is not yet done.
type slot struct {
	gen       uint32 // incremented each time the slot is handed out
	live      bool   // the record is waiting for Done
	stream    StreamID
	streamSeg uint64
	globalSeg uint64
}

// stream is the bookkeeping of one stream id: its segments, its pending STREAM states in read
// order, and its place in the lists of streams Ready looks at.
type stream[P any] struct {
	segs    segments
	states  ring[pendingState[P]]
	pending int64 // records of the stream not yet done
	queued  bool  // in Tracker.candidates
	blocked bool  // in Tracker.blocked
}

// Tracker tracks records and states read by the write command and releases
// each state once every record it covers has a final outcome. The zero value
// is not usable; call New. A Tracker is not safe for concurrent use.
type Tracker[P any] struct {
	global  segments
	globals ring[pendingState[P]] // pending GLOBAL and LEGACY states, in read order
	streams []stream[P]
	// epochs counts the pending STREAM states by epoch (the number of global
	// states read before them), from epoch released on.
	epochs   ring[int]
	read     uint64 // global states read
	released uint64 // global states released
	nStates  int    // states read and not yet released

	candidates []StreamID // streams whose first pending state may be covered
	blocked    []StreamID // streams whose first pending state is covered but follows a pending global state

	slots   []slot
	free    []uint32 // indexes of slots not in use, used LIFO
	pending int      // records not yet done
	out     []Released[P]
}

// New returns an empty Tracker.
func New[P any]() *Tracker[P] {
	t := &Tracker[P]{}
	t.epochs.push(0)
	return t
}

// Record notes that a record of stream s was read and returns its ticket,
// which must be passed to Done exactly once. It panics if s is negative.
func (t *Tracker[P]) Record(s StreamID) Seq {
	st := t.stream(s)
	idx := t.alloc()
	sl := &t.slots[idx]
	sl.gen++
	sl.live = true
	sl.stream = s
	sl.streamSeg = st.segs.open()
	sl.globalSeg = t.global.open()
	st.segs.get(sl.streamSeg).pending++
	t.global.get(sl.globalSeg).pending++
	st.pending++
	t.pending++
	return Seq(uint64(sl.gen)<<32 | uint64(idx))
}

// StreamState notes that a STREAM state of stream s was read. The payload is
// opaque to the Tracker and comes back unchanged from Ready. The state covers
// the records of s read before it, and its Stats count the records of s read
// since the previous STREAM state of s. It panics if s is negative.
func (t *Tracker[P]) StreamState(s StreamID, payload P) {
	st := t.stream(s)
	seg := st.segs.close()
	st.states.push(pendingState[P]{payload: payload, seg: seg, epoch: t.read})
	*t.epochs.at(t.epochs.len() - 1)++
	t.nStates++
	if st.states.len() == 1 {
		t.candidate(s)
	}
}

// GlobalState notes that a GLOBAL or LEGACY state was read. It covers every
// record read before it, and its Stats count the records of all streams read
// since the previous GLOBAL or LEGACY state.
func (t *Tracker[P]) GlobalState(payload P) {
	seg := t.global.close()
	t.globals.push(pendingState[P]{payload: payload, seg: seg, epoch: t.read})
	t.read++
	t.epochs.push(0)
	t.nStates++
}

// Done records the final outcome of the record with ticket seq. Records may
// finish in any order. It returns an error wrapping ErrUnknownSeq,
// ErrAlreadyDone or ErrBadOutcome, and then changes nothing; an error here
// is a bug in the caller. Call Ready afterwards to collect released states.
func (t *Tracker[P]) Done(seq Seq, o Outcome) error {
	sl, err := t.lookup(seq)
	if err == nil && o != Delivered && o != Rejected {
		err = ErrBadOutcome
	}
	if err != nil {
		return fmt.Errorf("checkpoint: done %v (%v): %w", seq, o, err)
	}
	st := &t.streams[sl.stream]
	sc := st.segs.get(sl.streamSeg)
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
	if sc.pending == 0 && st.states.len() > 0 && st.states.front().seg == sl.streamSeg {
		t.candidate(sl.stream)
	}
	st.pending--
	sl.live = false
	t.free = append(t.free, uint32(seq))
	t.pending--
	return nil
}

// Ready returns the states that may now be echoed and forgets them; each
// state is returned exactly once. A STREAM state is released once the
// earlier records of its stream are done and every GLOBAL or LEGACY state
// read before it has been released; a GLOBAL or LEGACY state once every
// earlier record is done and every state read before it has been released.
// So STREAM states of one stream come out in read order, GLOBAL and LEGACY
// states in read order relative to all states, and a stream that is stuck
// holds back no other stream's STREAM states. The result may be empty. The
// returned slice is reused by the next call to Ready: copy what must outlive
// that call.
func (t *Tracker[P]) Ready() []Released[P] {
	clear(t.out)
	t.out = t.out[:0]
	for {
		for len(t.candidates) > 0 {
			s := t.candidates[len(t.candidates)-1]
			t.candidates = t.candidates[:len(t.candidates)-1]
			t.streams[s].queued = false
			t.releaseStream(s)
		}
		if !t.releaseGlobal() {
			return t.out
		}
	}
}

// releaseStream releases the covered STREAM states at the front of stream s's queue.
func (t *Tracker[P]) releaseStream(s StreamID) {
	st := &t.streams[s]
	for st.states.len() > 0 {
		ps := st.states.front()
		c := st.segs.get(ps.seg)
		if c.pending > 0 {
			return
		}
		if ps.epoch > t.released {
			if !st.blocked {
				st.blocked = true
				t.blocked = append(t.blocked, s)
			}
			return
		}
		t.out = append(t.out, Released[P]{Payload: ps.payload, Stats: Stats{Delivered: c.delivered, Rejected: c.rejected}})
		*t.epochs.at(int(ps.epoch - t.released))--
		st.segs.drop(ps.seg)
		st.states.pop()
		t.nStates--
	}
}

// releaseGlobal releases the first pending GLOBAL or LEGACY state if it may
// be, and reports whether it did. The streams it held back become
// candidates again.
func (t *Tracker[P]) releaseGlobal() bool {
	if t.globals.len() == 0 {
		return false
	}
	ps := t.globals.front()
	c := t.global.get(ps.seg)
	if c.pending > 0 || *t.epochs.front() > 0 {
		return false
	}
	t.out = append(t.out, Released[P]{Payload: ps.payload, Stats: Stats{Delivered: c.delivered, Rejected: c.rejected}})
	t.global.drop(ps.seg)
	t.globals.pop()
	t.epochs.pop()
	t.released++
	t.nStates--
	for _, s := range t.blocked {
		t.streams[s].blocked = false
		t.candidate(s)
	}
	clear(t.blocked)
	t.blocked = t.blocked[:0]
	return true
}

// candidate notes that stream s's first pending state may now be covered.
func (t *Tracker[P]) candidate(s StreamID) {
	if st := &t.streams[s]; !st.queued {
		st.queued = true
		t.candidates = append(t.candidates, s)
	}
}

// Waiting describes a state that waits: the first pending state of a stream,
// or the first pending GLOBAL or LEGACY state.
type Waiting[P any] struct {
	// Payload is the value passed to StreamState or GlobalState.
	Payload P
	// Global tells a GLOBAL or LEGACY state from a STREAM state.
	Global bool
	// Stream is the stream of a STREAM state.
	Stream StreamID
	// Records is the number of records the state covers that are not yet
	// done. It is zero for a STREAM state that waits only for an earlier
	// GLOBAL or LEGACY state.
	Records int64
}

// EachWaiting calls fn for the first pending state of each stream and for
// the first pending GLOBAL or LEGACY state: the states that hold back the
// others. It costs one step per stream id, and is meant for periodic
// reports, not for the hot path.
func (t *Tracker[P]) EachWaiting(fn func(Waiting[P])) {
	for i := range t.streams {
		st := &t.streams[i]
		if st.states.len() == 0 {
			continue
		}
		ps := st.states.front()
		fn(Waiting[P]{Payload: ps.payload, Stream: StreamID(i), Records: st.segs.get(ps.seg).pending})
	}
	if t.globals.len() > 0 {
		ps := t.globals.front()
		fn(Waiting[P]{Payload: ps.payload, Global: true, Stream: -1, Records: t.global.get(ps.seg).pending})
	}
}

// PendingOf returns the number of records of stream s read but not yet done.
func (t *Tracker[P]) PendingOf(s StreamID) int64 {
	if s < 0 || int(s) >= len(t.streams) {
		return 0
	}
	return t.streams[s].pending
}

// PendingStates returns the number of states read but not yet released.
func (t *Tracker[P]) PendingStates() int { return t.nStates }

// PendingRecords returns the number of records read but not yet done.
func (t *Tracker[P]) PendingRecords() int { return t.pending }

// stream returns the segments of stream s, growing the table as needed.
func (t *Tracker[P]) stream(s StreamID) *stream[P] {
	if s < 0 {
		panic(fmt.Sprintf("checkpoint: negative StreamID %d", s))
	}
	for int(s) >= len(t.streams) {
		t.streams = append(t.streams, stream[P]{})
	}
	return &t.streams[s]
}

// alloc returns the index of a free slot.
func (t *Tracker[P]) alloc() uint32 {
	if n := len(t.free); n > 0 {
		idx := t.free[n-1]
		t.free = t.free[:n-1]
		return idx
	}
	t.slots = append(t.slots, slot{})
	return uint32(len(t.slots) - 1)
}

// lookup returns the live slot named by seq.
func (t *Tracker[P]) lookup(seq Seq) (*slot, error) {
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
