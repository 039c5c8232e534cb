package destination

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/rejected"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// rejectedPartAge is how long a part of rejected records stays open at most during a write.
// A state whose records include a kept rejection waits for the part that holds it, so this
// bounds how long such a state is held back beyond its other records (a state entered while
// rejections are kept closes the open parts at once, see ledger.state).
const rejectedPartAge = 5 * time.Second

// The memory of rejected records during a write: records waiting for their part's upload, and
// uploads at once (each holds its encoded part and the S3 client's copy of it). Rejections are
// a small share of a sync, so fewer uploads than the store's default cost no speed that shows,
// and keep the write's memory closer to what it is without a bucket.
const (
	rejectedMaxBuffered = 16 << 20
	rejectedUploads     = 2
)

// bucketKeeper is the ledger's keeper when object_storage_config names a bucket: each rejected
// record goes to the store with its reason, and is final (its state may be echoed) only once
// the object holding it is uploaded. When the bucket cannot be written the sync fails with a
// config_error naming the bucket and the cause; the records not stored stay unsettled, so no
// state past them is echoed.
type bucketKeeper struct {
	store  *rejected.Writer
	ctx    context.Context // Add's waits for room end with it (stop sending)
	ledger *ledger
	stored atomic.Int64 // records whose object is uploaded
}

// keep hands r to the store; final settles it once it is uploaded.
func (k *bucketKeeper) keep(r rejection, final func()) {
	rec := rejected.Record{
		Namespace: r.route.descriptor.Namespace, Stream: r.route.descriptor.Name,
		RecordNumber: r.record, Rule: r.rule, FieldPath: r.field, Message: r.message, APICode: r.apiCode,
		EmittedAt: r.emittedAt, Data: r.data, // Add copies Data
	}
	stored := func() {
		k.stored.Add(1)
		final()
	}
	if err := k.store.Add(k.ctx, rec, stored); err != nil {
		k.failed(err)
	}
}

// summary says where the rejected records went, for the end-of-sync summary.
func (k *bucketKeeper) summary() string {
	return fmt.Sprintf("%s stored with their reasons in %s", plural(k.stored.Load(), "rejected record", "rejected records"), k.store.Where())
}

// flush closes the open parts, so that a waiting state gets its rejections stored.
func (k *bucketKeeper) flush() {
	if err := k.store.Flush(k.ctx); err != nil {
		k.failed(err)
	}
}

// close closes the store, waiting for its uploads until ctx ends (the calls are cut).
func (k *bucketKeeper) close(ctx context.Context) {
	if err := k.store.Close(ctx); err != nil {
		k.failed(err)
	}
}

// failed makes a store error the sync's failure. An error of the bucket is a config_error that
// names it; a wait that ended because the sync is stopping is not a failure of its own.
func (k *bucketKeeper) failed(err error) {
	var se *rejected.StoreError
	switch {
	case errors.As(err, &se):
		k.ledger.fail(&failure{kind: protocol.ConfigError,
			message: fmt.Sprintf("Rejected records could not be stored in %s: %v. No state past them was echoed: the next sync resumes from the last echoed state.", k.store.Where(), se)}, false)
	case errors.Is(err, context.Canceled), errors.Is(err, rejected.ErrClosed):
		// The sync is stopping: the records not stored stay unsettled.
	default:
		k.ledger.fail(&failure{kind: protocol.SystemError, message: "Storing rejected records failed.", internal: err.Error()}, false)
	}
}
