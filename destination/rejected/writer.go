package rejected

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// Options tunes a Writer. Zero values take the defaults.
type Options struct {
	Now            func() time.Time                 // the clock of part ages and object names; time.Now
	Logf           func(format string, args ...any) // where the writer tells what it stored; nothing
	RunID          string                           // {sync_id}: the catalog's sync_id; the start time when empty (RunID)
	PartBytes      int64                            // a part is closed at this size; DefaultPartBytes
	PartAge        time.Duration                    // a part is closed at this age; DefaultPartAge
	MaxBuffered    int64                            // Add blocks while this much waits; DefaultMaxBuffered
	Uploads        int                              // concurrent uploads; DefaultUploads
	Attempts       int                              // attempts per upload request; DefaultAttempts
	MaxBackoff     time.Duration                    // the longest wait between attempts; DefaultMaxBackoff
	RequestTimeout time.Duration                    // one request's deadline; DefaultRequestTimeout

	store objectStore // tests: instead of S3
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	setDefault(&o.PartBytes, DefaultPartBytes)
	setDefault(&o.PartAge, DefaultPartAge)
	setDefault(&o.MaxBuffered, DefaultMaxBuffered)
	setDefault(&o.Uploads, DefaultUploads)
	setDefault(&o.Attempts, DefaultAttempts)
	setDefault(&o.MaxBackoff, DefaultMaxBackoff)
	setDefault(&o.RequestTimeout, DefaultRequestTimeout)
	if o.RunID == "" {
		o.RunID = RunID(o.Now())
	}
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// RunID returns the {sync_id} of a run started at t, for a catalog that carries no sync_id:
// the run's start time in UTC to the millisecond (20261202T160023.123Z). It sorts as the runs
// did and holds no personal data.
func RunID(t time.Time) string { return t.UTC().Format("20060102T150405.000Z") }

// ErrClosed is returned by Add after Close.
var ErrClosed = errors.New("the rejected-records writer is closed")

// Writer stores rejected records in a bucket: one object per part, a part being the records
// of one stream, closed when it reaches Options.PartBytes or Options.PartAge, at Flush and at
// Close. Its methods are safe for concurrent use. Parts upload in the background; each
// record's onStored runs (on an upload goroutine) only once the object holding it is stored.
type Writer struct {
	cfg     S3Config
	opts    Options
	store   objectStore
	layout  layout
	budget  *semaphore.Weighted // bytes of records waiting: in open parts or uploading
	slots   chan struct{}       // concurrent uploads
	ctx     context.Context     // the uploads' context: New's
	cancel  context.CancelFunc
	uploads sync.WaitGroup
	ticker  sync.WaitGroup
	stop    chan struct{}

	mu      sync.Mutex
	open    map[streamKey]*part
	numbers map[streamKey]int
	keys    map[string]bool // object keys used by this run, so that none is overwritten
	err     error
	closed  bool
}

type streamKey struct{ namespace, name string }

// part is the records of one stream waiting for one object.
type part struct {
	stream    streamKey
	records   []Record
	callbacks []func()
	bytes     int64
	opened    time.Time
	key       string // its object's key, once closed
}

// New returns a Writer for cfg, or nil and no error when cfg stores nothing (None). ctx
// bounds the uploads: cancelling it abandons those in flight. Close must be called.
func New(ctx context.Context, cfg StorageConfig, opts Options) (*Writer, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	opts.defaults()
	store := opts.store
	if store == nil {
		s, err := newS3Store(ctx, cfg.S3, opts)
		if err != nil {
			return nil, fmt.Errorf("set up the S3 client: %w", err)
		}
		store = s
	}
	w := &Writer{
		cfg: cfg.S3, opts: opts, store: store,
		layout:  layout{prefix: cfg.S3.BucketPath, pathFormat: cfg.S3.PathFormat, fileFormat: cfg.S3.FileNameFormat, extension: cfg.S3.Extension(), syncID: opts.RunID},
		budget:  semaphore.NewWeighted(opts.MaxBuffered),
		slots:   make(chan struct{}, opts.Uploads),
		stop:    make(chan struct{}),
		open:    map[streamKey]*part{},
		numbers: map[streamKey]int{},
		keys:    map[string]bool{},
	}
	w.ctx, w.cancel = context.WithCancel(ctx)
	w.ticker.Add(1)
	go w.closeOldParts()
	return w, nil
}

// Where returns where the records go: s3://bucket/bucket_path.
func (w *Writer) Where() string { return StorageConfig{StorageType: StorageS3, S3: w.cfg}.Where() }

// Err returns the error that stopped the writer: a *StoreError when the bucket cannot be
// written. Once set it stays.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Add appends rec to the open part of its stream (it copies rec.Data). onStored (may be nil)
// is called once the object holding rec is uploaded, never before and never twice. Add
// blocks while Options.MaxBuffered bytes wait, until an upload ends or ctx is done; it
// returns the writer's error once the bucket cannot be written.
func (w *Writer) Add(ctx context.Context, rec Record, onStored func()) error {
	if err := w.Err(); err != nil {
		return err
	}
	n := min(rec.size(), w.opts.MaxBuffered)
	if !w.budget.TryAcquire(n) {
		w.cutAll() // open parts hold the budget: send them so that it comes back
		if err := w.budget.Acquire(ctx, n); err != nil {
			return err
		}
	}
	rec.Data = bytes.Clone(rec.Data)
	k := streamKey{rec.Namespace, rec.Stream}
	w.mu.Lock()
	if w.err != nil || w.closed {
		err := w.err
		w.mu.Unlock()
		w.budget.Release(n)
		return errors.Join(err, closedErr(err))
	}
	p := w.open[k]
	if p == nil {
		p = &part{stream: k, opened: w.opts.Now()}
		w.open[k] = p
	}
	p.records = append(p.records, rec)
	p.callbacks = append(p.callbacks, onStored)
	p.bytes += n
	var full *part
	if p.bytes >= w.opts.PartBytes {
		full = w.cutLocked(k)
	}
	w.mu.Unlock()
	w.upload(full)
	return nil
}

func closedErr(err error) error {
	if err != nil {
		return nil
	}
	return ErrClosed
}

// Flush closes every open part now (their uploads go on in the background) and returns the
// writer's error.
func (w *Writer) Flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.cutAll()
	return w.Err()
}

// Close flushes, waits for every upload (or ctx) and returns the writer's error. Add after
// Close returns ErrClosed; a second Close only waits again.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	first := !w.closed
	w.closed = true
	w.mu.Unlock()
	if first {
		close(w.stop)
		w.ticker.Wait()
		w.cutAll()
	}
	done := make(chan struct{})
	go func() { w.uploads.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		w.cancel()
		<-done
		return errors.Join(w.Err(), ctx.Err())
	}
	w.cancel()
	return w.Err()
}

// closeOldParts closes parts older than Options.PartAge, checking a few times per age.
func (w *Writer) closeOldParts() {
	defer w.ticker.Done()
	t := time.NewTicker(max(w.opts.PartAge/4, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-w.ctx.Done():
			return
		case <-t.C:
			w.cutWhere(func(p *part) bool { return w.opts.Now().Sub(p.opened) >= w.opts.PartAge })
		}
	}
}

func (w *Writer) cutAll() { w.cutWhere(func(*part) bool { return true }) }

func (w *Writer) cutWhere(ready func(*part) bool) {
	w.mu.Lock()
	var cut []*part
	for k, p := range w.open {
		if ready(p) {
			cut = append(cut, w.cutLocked(k))
		}
	}
	w.mu.Unlock()
	for _, p := range cut {
		w.upload(p)
	}
}

// cutLocked takes the open part of stream k out and names its object; the caller uploads
// it. The upload is counted here, under w.mu, so that Close never misses one. w.mu is held.
func (w *Writer) cutLocked(k streamKey) *part {
	p := w.open[k]
	delete(w.open, k)
	p.key = w.objectKeyLocked(p)
	w.uploads.Add(1)
	return p
}

// objectKey names a closed part: its part number is the stream's next. A key this run has
// used already (a file_name_format without {part_number}) gets the part number appended, so
// that no object is overwritten.
func (w *Writer) objectKeyLocked(p *part) string {
	n := w.numbers[p.stream]
	w.numbers[p.stream] = n + 1
	key := w.layout.key(partName{namespace: p.stream.namespace, stream: p.stream.name, number: n, time: w.opts.Now()})
	for i := 1; w.keys[key]; i++ {
		key = fmt.Sprintf("%s.%d-%d", key, n, i)
	}
	w.keys[key] = true
	return key
}

// upload stores one closed part in the background, then calls its callbacks; a failure
// stops the writer.
func (w *Writer) upload(p *part) {
	if p == nil {
		return
	}
	go func() {
		defer w.uploads.Done()
		defer w.budget.Release(p.bytes)
		if err := w.store1(p); err != nil {
			w.fail(err)
			return
		}
		noun := "rejected records"
		if len(p.records) == 1 {
			noun = "rejected record"
		}
		w.opts.Logf("stored %d %s of stream %s in %s", len(p.records), noun, p.stream.name, p.key)
		for _, f := range p.callbacks {
			if f != nil {
				f()
			}
		}
	}()
}

// store1 encodes and uploads one part, unless the writer has failed already.
func (w *Writer) store1(p *part) error {
	select {
	case w.slots <- struct{}{}:
		defer func() { <-w.slots }()
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
	if err := w.Err(); err != nil {
		return err
	}
	body, err := encodePart(w.cfg, p.records)
	if err != nil {
		return fmt.Errorf("encode part %s: %w", p.key, err)
	}
	return w.store.put(w.ctx, p.key, body)
}

func (w *Writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}
