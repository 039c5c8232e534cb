package destination

import (
	"maps"
	"sync"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// ledger is the book of a write: every record read is entered (record), and later settled as
// delivered (settle) or rejected (reject); every state read is entered (state) and echoed, with
// its counts, once the records it covers are all settled; the first failure (fail) is kept as
// the sync's root cause and stops reading, and sending too when it must.
//
// The ledger is the only owner of the write pipeline's lock: it guards the checkpoint tracker,
// the per-stream counts, the first failure, frozen and the echo of states, so that states are
// written in order and only once covered. Every method takes the lock itself; no caller holds
// it. Safe for concurrent use.
//
// States are released through the tracker as a whole (release); releasing them per stream
// changes release and the tracker only.
type ledger struct {
	out              *protocol.Writer
	echo             bool // false with validate_only: nothing was stored, so no state is echoed
	continueOnErrors bool
	stop             *stops
	keeper           keeper // nil: a rejection is final at once

	mu      sync.Mutex
	tracker *checkpoint.Tracker[*heldState]
	streams []streamCounts // by StreamID
	kept    int            // rejections handed to the keeper and not yet final
	failed  *failure       // the first failure
	frozen  bool           // no state is echoed any more
}

// keeper keeps rejected records somewhere (a bucket of rejected records) before they are final.
// The ledger counts and logs a rejection at once, then hands it to the keeper, which calls
// final once the record is kept for good (its object uploaded): only then does the record
// count as settled, so no state covering it is echoed before. When a state waits on records
// the keeper holds, the ledger calls flush: the keeper should then write out what it holds
// soon rather than wait to fill an object. keep and flush are called without the ledger's
// lock, and final may be called from any goroutine, once per record.
type keeper interface {
	keep(r rejection, final func())
	flush()
}

// rejection is a refused record, as the ledger counts, logs and keeps it: its stream, its
// ticket, the rule it broke and the reason (stream, record number, field path, rule; never a
// value), and the advice given when Continue on errors is off.
type rejection struct {
	route  *route
	seq    checkpoint.Seq
	record int64  // the record's 1-based number in its stream
	rule   string // one of event's rules, an API code (see ruleFromCode), or retry_budget
	field  string // the field path at fault, "" when the record as a whole was refused
	// message says why, without the stream and record that reason starts with; apiCode is the
	// API's error code when the API refused the event.
	message, apiCode string
	reason           string // one line for the logs: stream, record, rule, path, message
	fix              string // the advice when the refusal fails the sync
	// data is the record's data as the platform sent it, and emittedAt its emitted_at, set only
	// when rejected records are kept; data may alias memory the keeper must copy.
	data      []byte
	emittedAt int64
}

// streamCounts are one stream's counts, for the logs.
type streamCounts struct {
	received, delivered, rejected int64
	byReason                      map[string]int64
	logged                        int
	identityDropped               int64 // user values not sent because they failed their rule
}

func newLedger(out *protocol.Writer, cfg *Config, streams int, stop *stops) *ledger {
	return &ledger{
		out:              out,
		echo:             !cfg.ValidateOnly,
		continueOnErrors: cfg.ContinueOnErrors,
		stop:             stop,
		tracker:          checkpoint.New[*heldState](),
		streams:          make([]streamCounts, streams),
	}
}

// record enters a record of stream id read from the input and returns its ticket.
func (l *ledger) record(id checkpoint.StreamID) checkpoint.Seq {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.streams[id].received++
	return l.tracker.Record(id)
}

// state enters a state of stream id (global for a GLOBAL or LEGACY state), echoes what is now
// covered, and reports whether states still wait.
func (l *ledger) state(id checkpoint.StreamID, global bool, h *heldState) (waiting bool) {
	l.mu.Lock()
	if global {
		l.tracker.GlobalState(h)
	} else {
		l.tracker.StreamState(id, h)
	}
	l.release()
	waiting = l.tracker.PendingStates() > 0
	flush := waiting && l.kept > 0
	l.mu.Unlock()
	if flush {
		l.keeper.flush()
	}
	return waiting
}

// settle records that the API accepted items, and echoes the states that are now covered.
func (l *ledger) settle(items []item) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, it := range items {
		if !l.done(it.seq, checkpoint.Delivered) {
			return
		}
		l.streams[it.stream].delivered++
	}
	l.release()
}

// reject handles a refused record. With Continue on errors off and no keeper it is the sync's
// failure (the record stays unsettled, so no later state is echoed): a keeper (a bucket of
// rejected records) makes rejections part of a successful sync, as the platform means them.
// Otherwise it is counted and logged at once (one by one up to maxRejectionLogs per stream),
// and settled as rejected: at once, or when the keeper says it is kept.
func (l *ledger) reject(r rejection) {
	if !l.continueOnErrors && l.keeper == nil {
		l.fail(&failure{kind: protocol.ConfigError, stream: &r.route.descriptor,
			message: "A record was refused, and Continue on errors is off: " + r.reason + ". " + r.fix}, false)
		return
	}
	l.mu.Lock()
	c := &l.streams[r.route.id]
	c.rejected++
	if c.byReason == nil {
		c.byReason = map[string]int64{}
	}
	c.byReason[r.rule]++
	c.logged++
	logIt, last := c.logged <= maxRejectionLogs, c.logged == maxRejectionLogs
	if l.keeper == nil {
		if l.done(r.seq, checkpoint.Rejected) {
			l.release()
		}
	} else {
		l.kept++
	}
	l.mu.Unlock()
	if logIt {
		_ = l.out.Logf(protocol.LevelWarn, "Rejected %s.", r.reason)
	}
	if last {
		_ = l.out.Logf(protocol.LevelWarn, "Stream %q: further rejections are counted in the summary, not logged one by one.", r.route.descriptor.String())
	}
	if l.keeper != nil {
		// The callback captures only the sequence number: capturing r would keep r.data, a
		// slice of the refused batch's records, until the part is uploaded.
		seq := r.seq
		l.keeper.keep(r, sync.OnceFunc(func() { l.settleKept(seq) }))
	}
}

// settleKept settles a rejection the keeper has kept for good.
func (l *ledger) settleKept(seq checkpoint.Seq) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.kept--
	if l.done(seq, checkpoint.Rejected) {
		l.release()
	}
}

// identityDropped adds n user values of a record of stream id that failed their rule to the
// stream's count, for the summary.
func (l *ledger) identityDropped(id checkpoint.StreamID, n int) {
	l.mu.Lock()
	l.streams[id].identityDropped += int64(n)
	l.mu.Unlock()
}

// fail records the sync's failure. The first failure is the root cause that is reported.
// Reading stops at any failure. halt also stops sending (the API or the input is failing):
// nothing new is sent, but requests in flight get their answer, and the states their records
// cover are echoed before the failure is reported. A record-level failure (halt false) lets
// delivered work finish and be checkpointed.
func (l *ledger) fail(f *failure, halt bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked(f, halt)
}

// failBug records a failure of the connector itself (a record lost track of, a state that
// could not be echoed, a panic): no state is echoed any more, and requests in flight are cut at
// once.
func (l *ledger) failBug(f *failure) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failBugLocked(f)
}

// outcome returns the sync's first failure (nil when none) and how many states still wait.
func (l *ledger) outcome() (*failure, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed, l.tracker.PendingStates()
}

// totals sums the counts of every stream.
func (l *ledger) totals() (received, delivered, rejected int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.streams {
		received, delivered, rejected = received+c.received, delivered+c.delivered, rejected+c.rejected
	}
	return
}

// counts returns a copy of every stream's counts, by StreamID.
func (l *ledger) counts() []streamCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]streamCounts, len(l.streams))
	for i, c := range l.streams {
		c.byReason = maps.Clone(c.byReason)
		out[i] = c
	}
	return out
}

// waitingStates calls describe for each state that holds others back (see
// checkpoint.Tracker.EachWaiting) and returns the lines it words. describe runs with the
// ledger's lock held: it may read its arguments, not call the ledger. pendingOf counts the
// records of a stream not yet settled.
func (l *ledger) waitingStates(describe func(wt checkpoint.Waiting[*heldState], pendingOf func(checkpoint.StreamID) int64) (string, bool)) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []string
	l.tracker.EachWaiting(func(wt checkpoint.Waiting[*heldState]) {
		if line, ok := describe(wt, l.tracker.PendingOf); ok {
			lines = append(lines, line)
		}
	})
	return lines
}

// The methods below run with mu held.

// done settles one record, and reports false (failing the sync) when the tracker does not
// know it: a bug.
func (l *ledger) done(seq checkpoint.Seq, o checkpoint.Outcome) bool {
	if err := l.tracker.Done(seq, o); err != nil {
		l.failBugLocked(&failure{kind: protocol.SystemError, message: "The connector lost track of a record.", internal: err.Error()})
		return false
	}
	return true
}

// release echoes every state the tracker releases, with its counts.
func (l *ledger) release() {
	if l.frozen {
		return
	}
	for _, r := range l.tracker.Ready() {
		if !l.echo {
			continue
		}
		echo, err := r.Payload.state.WithStats(protocol.Stats{RecordCount: r.Stats.Delivered, RejectedRecordCount: r.Stats.Rejected})
		if err == nil {
			err = l.out.State(echo)
		}
		if err != nil {
			l.failBugLocked(&failure{kind: protocol.SystemError, message: "Echoing a state failed.", internal: err.Error()})
			return
		}
	}
}

func (l *ledger) failLocked(f *failure, halt bool) {
	if l.failed == nil {
		l.failed = f
	}
	l.stop.stopReading()
	if halt {
		l.stop.stopSending()
	}
}

func (l *ledger) failBugLocked(f *failure) {
	l.failLocked(f, true)
	if !l.frozen {
		l.frozen = true
		l.stop.cutCalls()
	}
}
