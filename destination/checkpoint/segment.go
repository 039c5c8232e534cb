package checkpoint

// counts tallies the records of one segment.
type counts struct {
	pending, delivered, rejected int64
}

// segments is the queue of segments of one scope (one stream, or global).
// Segments have absolute ids that never change; the back segment is the open
// one that new records join, and a state closes it by opening the next.
type segments struct {
	q     ring[counts]
	first uint64 // id of the front segment
}

// open returns the id of the open segment, creating it on first use.
func (s *segments) open() uint64 {
	if s.q.len() == 0 {
		s.q.push(counts{})
	}
	return s.first + uint64(s.q.len()) - 1
}

// get returns the counts of segment id, which must still be queued.
func (s *segments) get(id uint64) *counts {
	return s.q.at(int(id - s.first))
}

// close ends the open segment and returns its id; later records join a new
// segment.
func (s *segments) close() uint64 {
	id := s.open()
	s.q.push(counts{})
	return id
}

// drop removes the front segment, which must be segment id.
func (s *segments) drop(id uint64) {
	if id != s.first {
		panic("checkpoint: segment released out of order")
	}
	s.q.pop()
	s.first++
}
