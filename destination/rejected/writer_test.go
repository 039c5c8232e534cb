package rejected

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestWriter returns a writer to an in-process store.
func newTestWriter(t *testing.T, store *memStore, opts Options) *Writer {
	t.Helper()
	opts.store = store
	w, err := New(t.Context(), testConfig(FormatJSONL, NoFlattening, CompressionNone), opts)
	require.NoError(t, err)
	return w
}

func record(stream string, n int64) Record {
	return Record{Stream: stream, RecordNumber: n, Rule: "missing_field", FieldPath: "data.email", Message: "email is required",
		EmittedAt: time.Now().UnixMilli(), Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}
}

// storedNumbers returns the record numbers of a stream found in the store's objects.
func storedNumbers(t *testing.T, store *memStore, stream string) []string {
	var out []string
	for key, body := range store.snapshot() {
		for _, row := range readRows(t, key, body) {
			if row[ColStream] == stream {
				out = append(out, row[ColRecordNumber])
			}
		}
	}
	return out
}

func TestNoneStoresNothing(t *testing.T) {
	w, err := New(t.Context(), StorageConfig{}, Options{})
	assert.NoError(t, err)
	assert.Nil(t, w)
}

func TestPartsCloseAtTheirSizeBound(t *testing.T) {
	store := newMemStore()
	w := newTestWriter(t, store, Options{PartBytes: 1000, PartAge: time.Hour})
	var stored atomic.Int64
	for i := int64(1); i <= 100; i++ {
		require.NoError(t, w.Add(t.Context(), record("orders", i), func() { stored.Add(1) }))
	}
	require.NoError(t, w.Close(t.Context()))
	assert.EqualValues(t, 100, stored.Load())
	assert.Greater(t, len(store.snapshot()), 5, "100 records of about 100 bytes make parts of 1000 bytes")
	assert.Len(t, storedNumbers(t, store, "orders"), 100, "every record once")
}

func TestPartsCloseAtTheirAgeBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newMemStore()
		w := newTestWriter(t, store, Options{PartAge: 30 * time.Second})
		stored := make(chan struct{})
		require.NoError(t, w.Add(t.Context(), record("orders", 1), func() { close(stored) }))
		time.Sleep(29 * time.Second)
		synctest.Wait()
		assert.Empty(t, store.snapshot(), "a young part stays open")
		time.Sleep(10 * time.Second)
		synctest.Wait()
		select {
		case <-stored:
		default:
			t.Fatal("the part was not stored after its age bound")
		}
		assert.Len(t, store.snapshot(), 1)
		require.NoError(t, w.Close(t.Context()))
	})
}

func TestFlushClosesOpenPartsOfEveryStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newMemStore()
		w := newTestWriter(t, store, Options{PartAge: time.Hour})
		var stored sync.WaitGroup
		for _, s := range []string{"orders", "signups"} {
			stored.Add(1)
			require.NoError(t, w.Add(t.Context(), record(s, 1), stored.Done))
		}
		require.NoError(t, w.Flush(t.Context()))
		stored.Wait()
		assert.Len(t, store.snapshot(), 2, "one object per stream")
		require.NoError(t, w.Close(t.Context()))
	})
}

func TestOnStoredRunsOnlyAfterTheUpload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newMemStore()
		release := make(chan struct{})
		store.before = func(string) error { <-release; return nil }
		w := newTestWriter(t, store, Options{})
		var stored atomic.Bool
		require.NoError(t, w.Add(t.Context(), record("orders", 1), func() { stored.Store(true) }))
		require.NoError(t, w.Flush(t.Context()))
		synctest.Wait()
		assert.False(t, stored.Load(), "the upload has not finished")
		close(release)
		require.NoError(t, w.Close(t.Context()))
		assert.True(t, stored.Load())
	})
}

func TestAddBlocksWhileTheBufferIsFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newMemStore()
		release := make(chan struct{})
		store.before = func(string) error { <-release; return nil }
		w := newTestWriter(t, store, Options{MaxBuffered: 1000, PartBytes: 500})
		n := int64(0)
		for {
			next := record("orders", n+1)
			if !w.budget.TryAcquire(next.size()) { // the next Add would block
				break
			}
			w.budget.Release(next.size())
			n++
			require.NoError(t, w.Add(t.Context(), next, nil))
			require.Less(t, n, int64(100), "Add never blocks")
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		err := w.Add(ctx, record("orders", n+1), nil)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "Add honours its context while blocked")
		added := make(chan error)
		go func() { added <- w.Add(t.Context(), record("orders", n+2), nil) }()
		synctest.Wait()
		select {
		case err := <-added:
			t.Fatalf("Add returned (%v) while the buffer was full", err)
		default:
		}
		close(release)
		require.NoError(t, <-added)
		require.NoError(t, w.Close(t.Context()))
		assert.NotContains(t, storedNumbers(t, store, "orders"), fmt.Sprint(n+1), "the abandoned record is not stored")
	})
}

func TestAFailedUploadStopsTheWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newMemStore()
		refusal := &StoreError{Bucket: "rejected-test", Cause: CauseNoSuchBucket, Err: errors.New("NoSuchBucket")}
		store.before = func(string) error { return refusal }
		w := newTestWriter(t, store, Options{})
		var stored atomic.Bool
		require.NoError(t, w.Add(t.Context(), record("orders", 1), func() { stored.Store(true) }))
		flushErr := w.Flush(t.Context()) // the upload it starts may fail before it returns: then it says so
		synctest.Wait()
		var storeErr *StoreError
		if flushErr != nil {
			require.ErrorAs(t, flushErr, &storeErr)
		}
		require.ErrorAs(t, w.Err(), &storeErr)
		assert.Equal(t, CauseNoSuchBucket, storeErr.Cause)
		assert.ErrorAs(t, w.Add(t.Context(), record("orders", 2), nil), &storeErr)
		assert.ErrorAs(t, w.Flush(t.Context()), &storeErr)
		assert.ErrorAs(t, w.Close(t.Context()), &storeErr)
		assert.False(t, stored.Load(), "nothing unstored is reported stored")
	})
}

func TestAddAfterCloseIsRefused(t *testing.T) {
	w := newTestWriter(t, newMemStore(), Options{})
	require.NoError(t, w.Close(t.Context()))
	assert.ErrorIs(t, w.Add(t.Context(), record("orders", 1), nil), ErrClosed)
}

func TestKeysAreNeverReused(t *testing.T) {
	store := newMemStore()
	cfg := testConfig(FormatCSV, NoFlattening, CompressionNone)
	cfg.S3.FileNameFormat = "rejected{format_extension}"
	w, err := New(t.Context(), cfg, Options{store: store, PartBytes: 1})
	require.NoError(t, err)
	for i := int64(1); i <= 3; i++ {
		require.NoError(t, w.Add(t.Context(), record("orders", i), nil))
	}
	require.NoError(t, w.Close(t.Context()))
	assert.Len(t, store.snapshot(), 3, "three parts, three objects")
	assert.ElementsMatch(t, []string{"1", "2", "3"}, storedNumbers(t, store, "orders"))
}

func TestWhereNamesBucketAndPrefix(t *testing.T) {
	w := newTestWriter(t, newMemStore(), Options{})
	defer w.Close(t.Context())
	assert.Equal(t, "s3://rejected-test/rejected", w.Where())
}
