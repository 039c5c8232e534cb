package destination

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/rejected"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// TestBucketKeeperFailures checks what a store error does to the sync: a bucket that cannot be
// written is a config_error naming the bucket and the cause (never a key); a wait that ended
// because the sync is stopping is no failure of its own.
func TestBucketKeeperFailures(t *testing.T) {
	cfg, err := parseWithStorage(storageJSON(map[string]any{"s3_endpoint": "http://127.0.0.1:9"}))
	require.NoError(t, err)
	store, err := rejected.New(t.Context(), cfg.ObjectStorage, rejected.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	denied := &rejected.StoreError{Bucket: "rejected-records", Cause: rejected.CauseAccessDenied, Err: errors.New("AccessDenied: 403")}
	tests := []struct {
		name  string
		err   error
		kind  protocol.FailureType // "" for no failure
		words []string
	}{
		{"bucket refuses", denied, protocol.ConfigError, []string{"s3://rejected-records/openai-ads", `bucket "rejected-records"`, "access denied", "resumes from the last echoed state"}},
		{"bucket refuses, wrapped", fmt.Errorf("upload part: %w", denied), protocol.ConfigError, []string{"access denied"}},
		{"sync stopping", context.Canceled, "", nil},
		{"store closed", rejected.ErrClosed, "", nil},
		{"anything else", errors.New("boom"), protocol.SystemError, []string{"Storing rejected records failed."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLedger(protocol.NewWriter(&bytes.Buffer{}), cfg, 1, newStops())
			k := &bucketKeeper{store: store, ctx: t.Context(), ledger: l}
			k.failed(tt.err)
			f, _ := l.outcome()
			if tt.kind == "" {
				assert.Nil(t, f)
				return
			}
			require.NotNil(t, f)
			assert.Equal(t, tt.kind, f.kind)
			for _, w := range tt.words {
				assert.Contains(t, f.message, w)
			}
			assert.NotContains(t, f.message+f.internal, testSecretKey[:10])
		})
	}
}
