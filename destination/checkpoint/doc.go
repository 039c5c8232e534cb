// Package checkpoint decides when a STATE message read by the write command
// may be echoed, and with which destination statistics.
//
// The Airbyte protocol lets a destination echo a state only after every record
// that precedes it has reached a final outcome: delivered to the remote API or
// definitively rejected. A STREAM state waits for the earlier records of its
// own stream; a GLOBAL or LEGACY state waits for all earlier records. States
// are echoed exactly once. STREAM states of one stream are echoed in the order
// they were read, and do not wait for other streams: a stream whose records
// are stuck holds back its own states only. GLOBAL and LEGACY states keep the
// global order: one is echoed after every state read before it, and every
// state read after it waits for it.
//
// A Tracker is a plain data structure: it starts no goroutines, keeps no
// timers and is not safe for concurrent use. The caller serialises calls,
// typically from the single goroutine that reads stdin and collects batch
// outcomes.
//
// # Algorithm
//
// Every state closes a segment: the records read since the previous state of
// the same scope. Each stream has a queue of segments (split by its STREAM
// states) and there is one queue of global segments (split by GLOBAL and LEGACY
// states). A segment counts its pending, delivered and rejected records. Each
// record lives in one stream segment and one global segment, and a record that
// is not yet done occupies one slot in a slab; its Seq names the slot and the
// slot's generation, so Done finds both segments in O(1) and detects a ticket
// that is used twice. Pending STREAM states wait in a FIFO queue per stream,
// GLOBAL and LEGACY states in one FIFO queue of their own. A state is
// released from the head of its queue once the segment it closes has no
// pending records: because each queue is released in order, every earlier
// segment of the same scope has already drained, so "my segment has no
// pending records" is exactly "every record before me in my scope is done".
// The released statistics are that segment's delivered and rejected counts.
//
// Global states split the states into epochs: a STREAM state's epoch is the
// number of global states read before it. A STREAM state is released only
// when its epoch's global states have all been, and a global state only
// when no STREAM state of an earlier or equal epoch is pending (a count per
// epoch). Done marks a stream as a candidate when the segment of its first
// pending state drains, so Ready looks only at streams that may release
// something, never at every stream; a covered STREAM state held back by a
// global state waits on a list that the global state's release empties.
//
// Memory is proportional to the peak number of records not yet done plus the
// peak number of pending states (plus one open segment per stream id): the
// internal queues keep their high-water capacity, but nothing grows with the
// number of records ever read, and a record that is stuck does not pin the
// records read after it. Record, Done and Ready are amortised O(1) and do not
// allocate once the internal slices have grown to the working-set size.
package checkpoint
