package rejected

import (
	"context"
	"fmt"
)

// Check writes a small object under the configured prefix and deletes it, as the bulk CDK's
// check does. It returns a *StoreError naming the bucket and the cause (missing bucket,
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
	if err := store.put(ctx, key, []byte("check-content")); err != nil {
		return err
	}
	return store.remove(ctx, key)
}
