package destination

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/rejected"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// Tuning of write. None is a setting: each is a bound that keeps memory or latency in check.
const (
	// progressInterval is how often a progress LOG is written.
	progressInterval = 30 * time.Second
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

// Defaults of writeOptions.
const (
	// defaultFlushInterval is how long a pending state waits for its batches to fill before
	// partial batches are sent.
	defaultFlushInterval = time.Second
	// defaultShutdownGrace is how long in-flight requests may finish after SIGTERM or SIGINT.
	defaultShutdownGrace = 20 * time.Second
)

// defaultBackoff is the wait between attempts of a batch.
var defaultBackoff = openai.Backoff{Base: 500 * time.Millisecond, Cap: 30 * time.Second}

// writeOptions are the timings of write: the defaults above, the shutdown grace of Env (tests
// shorten it), and the command's clock.
type writeOptions struct {
	flushInterval time.Duration
	shutdownGrace time.Duration
	backoff       openai.Backoff
	now           func() time.Time
}

// writeOptionsOf fills writeOptions from env.
func writeOptionsOf(env Env) writeOptions {
	o := writeOptions{flushInterval: defaultFlushInterval, shutdownGrace: env.ShutdownGrace, backoff: defaultBackoff, now: env.Now}
	if o.shutdownGrace <= 0 {
		o.shutdownGrace = defaultShutdownGrace
	}
	if o.now == nil {
		o.now = time.Now
	}
	return o
}

// maxQueuedBodies is how many batches may be queued or in flight: twice as many as may be
// sent at once, so that a sender never waits for work, and small batches do not pile up.
func maxQueuedBodies(maxInFlight int) int { return 2 * maxInFlight }

// InterruptedError is a write stopped by a signal, after its grace period. The caller exits
// 143, which the platform treats as a cancelled sync.
type InterruptedError struct{}

func (InterruptedError) Error() string { return "interrupted by a signal" }

// syncWriter is one run of `write`, a pipeline of stages a record walks through: input.go
// reads stdin and prepares records on every core; dispatch.go (the input loop, one goroutine)
// enters records and states in the ledger, batches events and queues batches on the lanes of
// their pixels; send.go (the senders) delivers batches, retrying in deliver.go; ledger.go
// settles records and echoes states; report.go words the progress, the summary and the
// failure.
type syncWriter struct {
	cfg     *Config
	opts    writeOptions
	out     *protocol.Writer
	routes  *routes
	prep    *event.Preparer
	batcher *batcher
	deliver *deliverer
	budget  *byteBudget
	spill   *spillStore
	lanes   *lanes
	ledger  *ledger
	stop    *stops
	started time.Time
	spilled atomic.Int64  // batches spilled
	keeper  *bucketKeeper // nil when rejected records are not stored

	// Owned by the input loop.
	unknownStreams map[protocol.StreamDescriptor]bool
	unroutedStates map[protocol.StreamDescriptor]checkpoint.StreamID // tracker ids of states of streams outside the catalog
	dropWarned     []map[string]bool                                 // by StreamID
	ready          []*batch
}

// runWrite answers `write`.
func runWrite(ctx context.Context, cfgPath, catalogPath string, out *protocol.Writer, env Env) error {
	w, err := newSyncWriter(cfgPath, catalogPath, out, writeOptionsOf(env), env.Version)
	var bug *failure
	switch {
	case errors.As(err, &bug):
		return bug.report(out)
	case err != nil:
		return (&failure{kind: protocol.ConfigError, message: sentence(err.Error())}).report(out)
	}
	return w.run(ctx, env.Stdin)
}

// newSyncWriter reads the configuration and the catalog and wires the pipeline.
func newSyncWriter(cfgPath, catalogPath string, out *protocol.Writer, opts writeOptions, version string) (*syncWriter, error) {
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
	prep, err := event.NewPreparer(event.Options{Now: opts.now, TimeZone: cfg.TimeZone(), DefaultActionSource: cfg.DefaultActionSource,
		MaxEventBytes: maxEventBytes(cfg.ValidateOnly)})
	if err != nil {
		return nil, &failure{kind: protocol.SystemError, message: "The connector could not prepare its event schemas.", internal: err.Error()}
	}
	hc := openai.NewHTTPClient(cfg.MaxInFlight)
	stop := newStops()
	w := &syncWriter{
		cfg:     cfg,
		opts:    opts,
		out:     out,
		routes:  routes,
		prep:    prep,
		batcher: newBatcher(cfg.BatchSize, cfg.ValidateOnly),
		deliver: &deliverer{
			client:  newClientAt(cfg, hc, version, opts.now),
			backoff: opts.backoff,
			timeout: cfg.RequestTimeout(),
			budget:  cfg.RetryBudget(),
			count:   &deliveryCounters{},
			now:     opts.now,
			answers: &confirmations{out: out, validateOnly: cfg.ValidateOnly},
		},
		budget:         newByteBudget(maxQueuedBodyBytes, maxQueuedBodies(cfg.MaxInFlight)),
		spill:          newSpillStore(os.TempDir(), maxSpillBytes, nil),
		lanes:          newLanes(cfg.MaxInFlight, opts.now),
		ledger:         newLedger(out, cfg, len(routes.byKey), stop),
		stop:           stop,
		unknownStreams: map[protocol.StreamDescriptor]bool{},
		unroutedStates: map[protocol.StreamDescriptor]checkpoint.StreamID{},
		dropWarned:     make([]map[string]bool, len(routes.byKey)),
	}
	w.spill.warn = func(msg string) { w.logf(protocol.LevelWarn, "%s", msg) }
	w.deliver.stalled = w.budget.nudge
	w.budget.capped = w.spillable
	if err := w.keepRejected(syncIDOf(catalog)); err != nil {
		return nil, err
	}
	return w, nil
}

// syncIDOf returns the sync_id the platform gives the catalog's streams (the {sync_id} of the
// bucket layout), or "" when it gives none: the store then uses the run's start time.
func syncIDOf(catalog *protocol.ConfiguredCatalog) string {
	for _, s := range catalog.Streams {
		if s.SyncID != nil {
			return strconv.FormatInt(*s.SyncID, 10)
		}
	}
	return ""
}

// keepRejected wires the bucket of rejected records, when object_storage_config names one: the
// ledger then hands every rejection to it, and batches carry their records' data so that a
// record the API refuses is stored as the platform sent it. Uploads end when the calls are cut.
func (w *syncWriter) keepRejected(syncID string) error {
	if !w.cfg.ObjectStorage.Enabled() {
		return nil
	}
	store, err := rejected.New(w.stop.calls, w.cfg.ObjectStorage, rejected.Options{
		Now: w.opts.now, PartAge: rejectedPartAge, RunID: syncID,
		MaxBuffered: rejectedMaxBuffered, Uploads: rejectedUploads,
		Logf: func(format string, args ...any) { w.logf(protocol.LevelInfo, "Rejected records: "+format+".", args...) },
	})
	if err != nil {
		return &failure{kind: protocol.ConfigError, message: "The bucket of rejected records cannot be used: " + err.Error() + "."}
	}
	w.keeper = &bucketKeeper{store: store, ctx: w.stop.sending, ledger: w.ledger}
	w.ledger.keeper = w.keeper
	return nil
}

// keepsRecords tells whether rejected records are stored: batches then carry their records'
// data, so that a record the API refuses can be stored as the platform sent it.
func (w *syncWriter) keepsRecords() bool { return w.keeper != nil }

// stops are the two signals that end a write early: stop reading (no more input is read or
// dispatched) and stop sending (nothing new is sent: the waits for a sender, a pause or a
// retry end). Stopping sending stops reading too. Requests in flight when sending stops still
// get their answer, and the states their records cover are still echoed, unless the calls are
// cut as well (cutCalls: a signal's grace period is over, or the connector itself failed).
//
// They do not derive from the command's context: a signal stops reading at once but lets
// sending go on for the shutdown grace (see run).
type stops struct {
	reading, sending, calls            context.Context
	stopReading, stopSending, cutCalls context.CancelFunc
}

func newStops() *stops {
	s := &stops{}
	s.calls, s.cutCalls = context.WithCancel(context.Background())
	s.sending, s.stopSending = context.WithCancel(s.calls)
	s.reading, s.stopReading = context.WithCancel(s.sending)
	return s
}

// sendContexts returns the contexts of sending: wait ends at stop sending, call when the calls
// are cut.
func (s *stops) sendContexts() sendContexts { return sendContexts{wait: s.sending, call: s.calls} }

// run reads stdin to its end (or to a failure or a signal), delivers, and echoes states. It
// returns once every goroutine it started has finished, except a reader blocked in a Read of
// stdin: no Read can be woken, so that one ends at the next line or the end of input (the
// process exits first).
//
// The goroutines of a write, and what ends each:
//
//	run: the input loop (dispatch.go)       ends at the end of input or at stop reading
//	├── reader (input.go)                   ends with the input, or at stop reading (once its Read returns)
//	├── preparers, one per CPU (input.go)   end when the reader is done, or at stop reading
//	├── senders, max_in_flight (send.go)    end when the lanes are closed and empty, or at stop sending
//	├── progress (report.go)                ends when run stops it, after the senders
//	├── rejected-records store (keep.go)    its part timer and uploads end at its close, after the senders
//	└── grace timer                         cuts the calls shutdownGrace after a signal; stopped by run
//
// A signal (ctx done) stops reading at once and cuts the calls after the grace; a failure stops
// reading, and sending when it must (ledger.fail).
func (w *syncWriter) run(ctx context.Context, stdin io.Reader) error {
	w.started = w.opts.now()
	defer w.closeSpill()
	defer w.stop.cutCalls()
	var senders sync.WaitGroup
	for range w.cfg.MaxInFlight {
		senders.Go(func() { w.sendLoop(w.stop.sendContexts()) })
	}
	w.logStart()
	grace := time.AfterFunc(w.opts.shutdownGrace, w.stop.cutCalls)
	grace.Stop()
	signalled := make(chan struct{})
	stopAfterSignal := context.AfterFunc(ctx, func() {
		defer close(signalled)
		w.stop.stopReading()
		grace.Reset(w.opts.shutdownGrace)
	})
	defer func() {
		if !stopAfterSignal() {
			<-signalled
		}
		grace.Stop()
	}()
	chunks, preparers := w.startInput(w.stop.reading, stdin)
	stopProgress := w.startProgress()
	defer stopProgress()

	w.inputLoop(chunks)
	w.stop.stopReading() // the reader and the preparers end
	interrupted := ctx.Err() != nil
	if interrupted {
		w.logf(protocol.LevelWarn, "Interrupted: no more input is read; in-flight requests get %s to finish.", w.opts.shutdownGrace)
	}
	w.dispatchAll(w.stop.sending, w.batcher.flush(w.ready)) // with what an interrupted dispatch left
	w.lanes.close()
	senders.Wait()
	preparers.Wait()
	if w.keeper != nil {
		w.keeper.close(w.stop.calls) // every rejection is in; a signal's grace bounds the uploads
	}
	stopProgress()
	// A signal that came after the end of input, while the last batches drained, still
	// makes this an interrupted sync, not an unfinished one.
	return w.finish(interrupted || ctx.Err() != nil)
}
