package destination

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// Tuning of write. None is a setting: each is a bound that keeps memory or latency in check.
const (
	// flushInterval is how long a pending state waits for its batches to fill before partial
	// batches are sent.
	flushInterval = time.Second
	// progressInterval is how often a progress LOG is written.
	progressInterval = 30 * time.Second
	// shutdownGrace is how long in-flight requests may finish after SIGTERM or SIGINT.
	shutdownGrace = 20 * time.Second
	// maxQueuedBodyBytes bounds the bytes of batches queued or in flight, and
	// maxQueuedBodies their number: when either is reached, reading stdin waits. It bounds
	// memory whatever max_in_flight is. One pixel holds at most half of it while other
	// pixels hold some (byteBudget). Open batches have their own bound, maxOpenBytes.
	maxQueuedBodyBytes = 12 << 20
	// chunkSize and chunkBytes bound how many messages, and how many bytes of record data,
	// the stdin reader hands over at once.
	chunkSize  = 256
	chunkBytes = 1 << 20
	// chunksAhead is how many chunks may be read and prepared ahead of the input loop.
	chunksAhead = 4
	// maxReadAheadBytes bounds the record data read ahead of the input loop; a larger record
	// is read alone (see readInput).
	maxReadAheadBytes = 2 * chunksAhead * chunkBytes
	// maxRejectionLogs is how many rejections are logged one by one per stream; the rest are
	// counted in the summary.
	maxRejectionLogs = 100
)

// maxQueuedBodies is how many batches may be queued or in flight: twice as many as may be
// sent at once, so that a sender never waits for work, and small batches do not pile up.
func maxQueuedBodies(maxInFlight int) int { return 2 * maxInFlight }

// InterruptedError is a write stopped by a signal, after its grace period. The caller exits
// 143, which the platform treats as a cancelled sync.
type InterruptedError struct{}

func (InterruptedError) Error() string { return "interrupted by a signal" }

// failure is the one root cause a failed sync reports.
type failure struct {
	kind     protocol.FailureType
	message  string
	internal string
	stream   *protocol.StreamDescriptor
}

func (f *failure) Error() string { return f.message }

// syncWriter is one run of `write`. The input loop runs on one goroutine; senders deliver
// batches concurrently; mu guards the checkpoint tracker, the counts and the echo of states,
// so that states are written in order and only once covered.
type syncWriter struct {
	cfg     *Config
	out     *protocol.Writer
	routes  *routes
	prep    *event.Preparer
	batcher *batcher
	deliver *deliverer
	budget  *byteBudget
	spill   *spillStore
	lanes   *lanes
	started time.Time
	spilled atomic.Int64 // batches spilled

	mu      sync.Mutex
	tracker *checkpoint.Tracker
	streams []streamCounts     // by StreamID
	failed  *failure           // the first failure
	frozen  bool               // no state is echoed any more
	stopped chan struct{}      // closed at the first failure: stop reading
	halt    context.CancelFunc // ends sendContexts.wait: nothing new is sent
	cancel  context.CancelFunc // ends sendContexts.call: requests in flight are cut

	// Owned by the input loop.
	unknownStreams map[protocol.StreamDescriptor]bool
	unroutedStates map[protocol.StreamDescriptor]checkpoint.StreamID // tracker ids of states of streams outside the catalog
	dropWarned     []map[string]bool                                 // by StreamID
	ready          []*batch
}

// runWrite answers `write`.
func runWrite(ctx context.Context, cfgPath, catalogPath string, out *protocol.Writer, env Env) error {
	w, err := newSyncWriter(cfgPath, catalogPath, out, env)
	var bug *failure
	switch {
	case errors.As(err, &bug):
		return reportFailure(out, bug.kind, bug.message, bug.internal)
	case err != nil:
		return reportFailure(out, protocol.ConfigError, sentence(err.Error()), "")
	}
	return w.run(ctx, env.Stdin)
}

// newSyncWriter reads the configuration and the catalog and wires the pipeline.
func newSyncWriter(cfgPath, catalogPath string, out *protocol.Writer, env Env) (*syncWriter, error) {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return nil, errors.New(configProblems(err))
	}
	redactSecrets(out, cfg)
	catalog, err := loadCatalog(catalogPath)
	if err != nil {
		return nil, err
	}
	routes, err := resolveRoutes(cfg, catalog)
	if err != nil {
		return nil, err
	}
	prep, err := event.NewPreparer(event.Options{Now: env.Now, TimeZone: cfg.TimeZone(), DefaultActionSource: cfg.DefaultActionSource})
	if err != nil {
		return nil, &failure{kind: protocol.SystemError, message: "The connector could not prepare its event schemas.", internal: err.Error()}
	}
	hc := NewHTTPClient(cfg.MaxInFlight)
	w := &syncWriter{
		cfg:     cfg,
		out:     out,
		routes:  routes,
		prep:    prep,
		batcher: newBatcher(cfg.BatchSize, cfg.ValidateOnly),
		deliver: &deliverer{
			client:  NewClient(cfg, hc, env.Version),
			backoff: Backoff{Base: 500 * time.Millisecond, Cap: 30 * time.Second},
			timeout: cfg.RequestTimeout(),
			budget:  cfg.RetryBudget(),
			count:   &deliveryCounters{},
			now:     env.Now,
			answers: &confirmations{out: out, validateOnly: cfg.ValidateOnly},
		},
		budget:         newByteBudget(maxQueuedBodyBytes, maxQueuedBodies(cfg.MaxInFlight)),
		spill:          newSpillStore(os.TempDir(), maxSpillBytes, nil),
		lanes:          newLanes(cfg.MaxInFlight, nil),
		tracker:        checkpoint.New(),
		streams:        make([]streamCounts, len(routes.byKey)),
		stopped:        make(chan struct{}),
		unknownStreams: map[protocol.StreamDescriptor]bool{},
		unroutedStates: map[protocol.StreamDescriptor]checkpoint.StreamID{},
		dropWarned:     make([]map[string]bool, len(routes.byKey)),
	}
	w.spill.warn = func(msg string) { w.logf(protocol.LevelWarn, "%s", msg) }
	w.deliver.stalled = w.budget.nudge
	w.budget.capped = w.spillable
	return w, nil
}

// run reads stdin to its end (or to a failure or a signal), delivers, and echoes states.
func (w *syncWriter) run(ctx context.Context, stdin io.Reader) error {
	w.started = time.Now()
	defer w.closeSpill()
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	waitCtx, halt := context.WithCancel(sendCtx)
	defer halt()
	w.cancel, w.halt = cancel, halt
	sc := sendContexts{wait: waitCtx, call: sendCtx}
	var senders sync.WaitGroup
	for range w.cfg.MaxInFlight {
		senders.Go(func() { w.sendLoop(sc) })
	}
	w.logStart()
	// A signal stops reading at once, even while the loop waits for room to dispatch, and
	// gives in-flight requests shutdownGrace before they are cancelled. A failure that halts
	// sending ends the loop's waits too: no sender is left to make room.
	loopCtx, stopLoop := context.WithCancel(waitCtx)
	defer stopLoop()
	defer context.AfterFunc(ctx, stopLoop)()
	defer context.AfterFunc(ctx, func() { time.AfterFunc(shutdownGrace, cancel) })()
	inputCtx, stopInput := context.WithCancel(ctx)
	defer stopInput()
	chunks := w.startInput(inputCtx, stdin)

	stopProgress := w.startProgress()
	defer stopProgress()
	interrupted := w.inputLoop(ctx, loopCtx, chunks)
	stopInput()
	if interrupted {
		w.logf(protocol.LevelWarn, "Interrupted: no more input is read; in-flight requests get %s to finish.", shutdownGrace)
	}
	w.dispatchAll(waitCtx, w.batcher.flush(w.ready)) // with what an interrupted dispatch left
	w.lanes.close()
	senders.Wait()
	stopProgress()
	// A signal that came after the end of input, while the last batches drained, still
	// makes this an interrupted sync, not an unfinished one.
	return w.finish(interrupted || ctx.Err() != nil)
}

// inputLoop handles stdin's messages until its end, a failure or a signal. It reports
// whether a signal stopped it.
//
// loopCtx ends when ctx does (a signal) and when sending is halted or cancelled (a failure):
// waits for room to dispatch end with it.
func (w *syncWriter) inputLoop(ctx, loopCtx context.Context, chunks <-chan *chunk) bool {
	flush := time.NewTimer(flushInterval)
	flush.Stop()
	defer flush.Stop()
	flushArmed := false
	for {
		select {
		case <-ctx.Done():
			return true
		case <-w.stopped:
			return false
		case <-flush.C:
			flushArmed = false
			w.dispatchAll(loopCtx, w.batcher.flush(w.ready))
		case c, ok := <-chunks:
			if !ok {
				return ctx.Err() != nil // closed early by a signal, or at the end of input
			}
			if c.err != nil {
				w.inputError(c.err)
				return false
			}
			<-c.prepared // the preparers always finish a chunk they were given
			for i, m := range c.msgs {
				if loopCtx.Err() != nil {
					break // a signal or a failure: the select above says which
				}
				if w.handle(loopCtx, m, &c.records[i]) && !flushArmed {
					flush.Reset(flushInterval)
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
		w.fail(&failure{kind: protocol.SystemError, message: fmt.Sprintf("The input is not valid Airbyte protocol: %v.", le)}, false)
		return
	}
	w.fail(&failure{kind: protocol.SystemError, message: "Reading the input failed.", internal: err.Error()}, true)
}

// handle takes one message. It reports whether a state is now waiting on open batches.
func (w *syncWriter) handle(ctx context.Context, m *protocol.Message, p *preparedRecord) bool {
	select {
	case <-w.stopped:
		return false // a failure stopped the sync mid-chunk
	default:
	}
	switch m.Type {
	case protocol.TypeRecord:
		w.handleRecord(ctx, m.Record, p)
	case protocol.TypeState:
		return w.handleState(m.State)
	}
	return false // TRACE (stream status), LOG, CONTROL and the like need nothing
}

// handleState registers a state with the tracker, and echoes it at once if it is covered.
func (w *syncWriter) handleState(s *protocol.State) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := &heldState{state: s, read: time.Now()}
	switch s.Type {
	case protocol.StateStream:
		w.tracker.StreamState(w.stateStream(s.Stream), h)
	default:
		w.tracker.GlobalState(h)
	}
	w.releaseStates()
	return w.tracker.PendingStates() > 0 && w.batcher.openEvents() > 0
}

// stateStream returns the tracker's id of a STREAM state's stream. A stream the catalog does
// not name gets an id of its own with no records, so its states are echoed as soon as they
// reach the head of the queue, with zero counts. Called with mu held.
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
	w.mu.Lock()
	seq := w.tracker.Record(rt.id)
	counts := &w.streams[rt.id]
	counts.received++
	number := counts.received
	w.mu.Unlock()

	if p.err != nil {
		var rej *event.Rejection
		if errors.As(p.err, &rej) {
			rej.Record = number // preparers run ahead and do not know it
		}
		w.rejectRecord(rt, seq, number, p.err)
		return
	}
	w.warnDropped(rt, p.event.Dropped)
	w.countIdentityDropped(rt, p.event.IdentityDropped)
	it := item{seq: seq, stream: rt.id, record: number, ts: p.event.TimestampMS}
	w.dispatchAll(ctx, w.batcher.add(rt.pixel, it, p.event.JSON, w.ready))
}

// dispatchAll queues ready batches on their pixels' lanes. It blocks while the bytes queued and
// in flight are at their bound: this is the back-pressure that makes reading stdin wait. A
// batch of a stuck pixel over its share is spilled instead (see spillOrWait). When ctx ends
// first, the batches not handed over stay in w.ready, for the final flush.
func (w *syncWriter) dispatchAll(ctx context.Context, ready []*batch) {
	for i, b := range ready {
		if !w.budget.tryAcquire(b.pixel, int64(len(b.body))) && !w.spillOrWait(ctx, b) {
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
	n := int64(len(b.body))
	spill := func() bool { return w.spillable(b.pixel, n) }
	for {
		took, err := w.budget.acquireUnless(ctx, b.pixel, n, spill)
		switch {
		case err != nil:
			return false
		case took:
			return true
		}
		ref, err := w.spill.put(b.body)
		if err != nil {
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
	return w.lanes.lane(pixel).health.stuck(time.Now()) && w.spill.fits(int(n))
}

// closeSpill removes the spill file, if any.
func (w *syncWriter) closeSpill() {
	if err := w.spill.close(); err != nil {
		w.logf(protocol.LevelWarn, "Removing the temporary file of spilled batches failed: %v.", err)
	}
}

// sendLoop is one sender: it delivers the batches the lanes give it until they are closed and
// empty, or the sync halts.
func (w *syncWriter) sendLoop(sc sendContexts) {
	for {
		b, ln, ok := w.lanes.take(sc.wait)
		if !ok {
			return
		}
		w.sendOne(sc, ln, b)
		w.lanes.done(ln)
	}
}

// sendOne delivers one batch and gives its bytes back to the budget, or its place back to the
// spill. A panic (our bug) fails the sync instead of killing the process without a trace.
func (w *syncWriter) sendOne(sc sendContexts, ln *lane, b *batch) {
	if ref := b.spilled; ref != nil {
		defer w.spill.release(*ref)
	} else {
		defer w.budget.release(b.pixel, int64(len(b.body)))
	}
	defer w.recoverPanic()
	if b.spilled != nil && !w.unspill(b) {
		return
	}
	w.deliverBatch(sc, ln, b)
	b.body = nil
}

// unspill reads a spilled batch's body back. A read that fails fails the sync: the batch's
// records stay unsettled, so no state covering them is echoed.
func (w *syncWriter) unspill(b *batch) bool {
	body, err := w.spill.read(*b.spilled)
	if err != nil {
		w.fail(&failure{kind: protocol.SystemError, message: "A batch kept in a temporary file could not be read back.", internal: err.Error()}, true)
		return false
	}
	b.body = body
	return true
}

// recoverPanic turns a panic of the calling goroutine into the sync's system_error. It must
// be deferred directly.
func (w *syncWriter) recoverPanic() {
	if r := recover(); r != nil {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.failBugLocked(&failure{kind: protocol.SystemError, message: "The connector hit a bug and stopped.",
			internal: fmt.Sprintf("panic: %v\n%s", r, debug.Stack())})
	}
}

// fail records the sync's failure. The first failure is the root cause that is reported.
// Reading stops at any failure. halt also stops sending (the API or the input is failing):
// nothing new is sent, but requests in flight get their answer, and the states their
// records cover are echoed before the failure is reported. A record-level failure (halt
// false) lets delivered work finish and be checkpointed.
func (w *syncWriter) fail(f *failure, halt bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failLocked(f, halt)
}

func (w *syncWriter) failLocked(f *failure, halt bool) {
	if w.failed == nil {
		w.failed = f
		close(w.stopped)
	}
	if halt {
		w.halt()
	}
}

// failBug records a failure of the connector itself (a record lost track of, a state that
// could not be echoed, a panic): no state is echoed any more, and requests in flight are cut
// at once. Called with mu held.
func (w *syncWriter) failBugLocked(f *failure) {
	w.failLocked(f, true)
	if !w.frozen {
		w.frozen = true
		w.cancel()
	}
}

// finish reports the outcome after every sender has stopped.
func (w *syncWriter) finish(interrupted bool) error {
	w.mu.Lock()
	f, pending := w.failed, w.tracker.PendingStates()
	w.mu.Unlock()
	w.logSummary()
	switch {
	case f != nil:
		if err := w.out.Error(f.kind, f.message, f.internal, f.stream); err != nil {
			return err
		}
		return &ReportedError{Err: errors.New(f.message)}
	case interrupted:
		w.logf(protocol.LevelWarn, "Stopped by a signal; %d state(s) were not echoed because their records were not all delivered. The next sync resumes from the last echoed state.", pending)
		return InterruptedError{}
	case pending > 0:
		msg := fmt.Sprintf("%d state(s) were still waiting at the end of the input.", pending)
		if err := w.out.Error(protocol.SystemError, "The connector could not confirm every record.", msg, nil); err != nil {
			return err
		}
		return &ReportedError{Err: errors.New(msg)}
	}
	return nil
}
