package rejected

import (
	"context"
	"errors"
	"fmt"
)

// Check asks whether the bucket exists (some S3-compatible stores would create it on the
// first write), then writes a small object under the configured prefix and deletes it, as the
// bulk CDK's check does. It returns a *StoreError naming the bucket and the cause (missing bucket,
// access denied, bad credentials, wrong region, unreachable endpoint) when either fails, and
// nil when cfg stores nothing.
func Check(ctx context.Context, cfg StorageConfig, opts Options) error {
	if !cfg.Enabled() {
		return nil
	}
	opts.defaults()
	store := opts.store
	if store == nil {
		s, err := newS3Store(ctx, cfg.S3, opts)
		if err != nil {
			return fmt.Errorf("set up the S3 client: %w", err)
		}
		store = s
	}
	key := layout{prefix: cfg.S3.BucketPath, fileFormat: "_airbyte_connection_test_{uuid}"}.key(partName{})
	// A HEAD answer has no body, so a 403 cannot tell a wrong key from a missing permission
	// (s3:ListBucket, which writing does not need): the write below says which.
	var storeErr *StoreError
	if err := store.exists(ctx); err != nil && !(errors.As(err, &storeErr) && storeErr.Cause == CauseAccessDenied) {
		return err
	}
	if err := store.put(ctx, key, []byte("check-content")); err != nil {
		return err
	}
	return store.remove(ctx, key)
}
