package rejected

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/redact"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/s3server"
)

// One real S3 server (SeaweedFS) for the package, started by the first test that needs it.
var shared struct {
	once sync.Once
	srv  *s3server.Server
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Close()
	}
	os.Exit(code)
}

func s3Server(t testing.TB) *s3server.Server {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		shared.srv, shared.err = s3server.Launch(ctx)
	})
	require.NoError(t, shared.err, "the S3 test server")
	return shared.srv
}

// s3Config is a configuration of a fresh bucket of the test server.
func s3Config(t testing.TB, srv *s3server.Server, format, flattening, compression string) StorageConfig {
	cfg := testConfig(format, flattening, compression)
	cfg.S3.BucketName = srv.CreateBucket(t)
	cfg.S3.Endpoint = srv.Endpoint
	cfg.S3.BucketRegion = s3server.Region
	cfg.S3.AccessKeyID, cfg.S3.SecretAccessKey = redact.Secret(srv.AccessKey), redact.Secret(srv.SecretKey)
	return cfg
}

// fastFailing makes failing uploads give up within a test's patience.
var fastFailing = Options{Attempts: 2, MaxBackoff: 50 * time.Millisecond, RequestTimeout: 5 * time.Second}

// readBucket returns every object of a bucket.
func readBucket(t *testing.T, srv *s3server.Server, bucket string) map[string][]byte {
	t.Helper()
	objects, err := srv.Objects(t.Context(), bucket)
	require.NoError(t, err)
	return objects
}

func TestS3StoresEveryRecordOnceInEveryFormat(t *testing.T) {
	srv := s3Server(t)
	tests := []struct{ format, flattening, compression, ext string }{
		{FormatCSV, NoFlattening, CompressionNone, ".csv"},
		{FormatCSV, RootLevelFlattening, CompressionGZIP, ".csv.gz"},
		{FormatJSONL, NoFlattening, CompressionGZIP, ".jsonl.gz"},
		{FormatJSONL, NoFlattening, CompressionNone, ".jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.format+" "+tt.flattening+" "+tt.compression, func(t *testing.T) {
			cfg := s3Config(t, srv, tt.format, tt.flattening, tt.compression)
			w, err := New(t.Context(), cfg, Options{PartBytes: 2000, RunID: "run-1"})
			require.NoError(t, err)
			var stored atomic.Int64
			for i := int64(1); i <= 50; i++ {
				for _, stream := range []string{"orders", "signups"} {
					require.NoError(t, w.Add(t.Context(), record(stream, i), func() { stored.Add(1) }))
				}
			}
			require.NoError(t, w.Close(t.Context()))
			assert.EqualValues(t, 100, stored.Load())

			objects := readBucket(t, srv, cfg.S3.BucketName)
			assert.Greater(t, len(objects), 2, "parts closed at their size bound")
			seen := map[string]int{}
			for key, body := range objects {
				assert.Regexp(t, `^rejected/run-1/(orders|signups)/\d{4}_\d\d_\d\d_\d+_\d+`+regexpQuote(tt.ext)+`$`, key)
				for _, row := range readRows(t, key, body) {
					seen[row[ColStream]+"/"+row[ColRecordNumber]]++
					assert.Equal(t, "missing_field", row[ColRule])
					assert.Equal(t, "data.email", row[ColFieldPath])
					if tt.flattening == RootLevelFlattening {
						assert.Equal(t, row[ColRecordNumber], row["n"])
					} else {
						assert.JSONEq(t, fmt.Sprintf(`{"n":%s}`, row[ColRecordNumber]), row[ColData])
					}
				}
			}
			assert.Len(t, seen, 100, "every record stored")
			for k, n := range seen {
				assert.Equal(t, 1, n, "%s stored once", k)
			}
		})
	}
}

func regexpQuote(s string) string {
	out := ""
	for _, c := range s {
		if c == '.' {
			out += `\`
		}
		out += string(c)
	}
	return out
}

func TestS3OnStoredSeesTheObject(t *testing.T) {
	srv := s3Server(t)
	cfg := s3Config(t, srv, FormatJSONL, NoFlattening, CompressionNone)
	w, err := New(t.Context(), cfg, Options{})
	require.NoError(t, err)
	objectsAtCallback := make(chan int, 1)
	client := srv.Client()
	require.NoError(t, w.Add(t.Context(), record("orders", 1), func() {
		list, err := client.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(cfg.S3.BucketName)})
		if err == nil {
			objectsAtCallback <- len(list.Contents)
		}
	}))
	assert.Empty(t, readBucket(t, srv, cfg.S3.BucketName), "nothing is uploaded before the part closes")
	require.NoError(t, w.Flush(t.Context()))
	require.NoError(t, w.Close(t.Context()), "Close waits for the upload and its callbacks")
	select {
	case n := <-objectsAtCallback:
		assert.Equal(t, 1, n, "the object exists when onStored runs")
	default:
		t.Fatal("onStored did not run")
	}
}

func TestS3FailuresStopTheWriterNamingTheCause(t *testing.T) {
	srv := s3Server(t)
	t.Run("store gone mid-run", func(t *testing.T) {
		own := s3server.Start(t)
		cfg := s3Config(t, own, FormatCSV, NoFlattening, CompressionGZIP)
		w, err := New(t.Context(), cfg, fastFailing)
		require.NoError(t, err)
		var stored atomic.Int64
		require.NoError(t, w.Add(t.Context(), record("orders", 1), func() { stored.Add(1) }))
		require.NoError(t, w.Flush(t.Context()))
		waitFor(t, func() bool { return stored.Load() == 1 })
		own.Close()
		require.NoError(t, w.Add(t.Context(), record("orders", 2), func() { stored.Add(1) }))
		_ = w.Flush(t.Context())
		err = w.Close(t.Context())
		var storeErr *StoreError
		require.ErrorAs(t, err, &storeErr)
		assert.Equal(t, CauseUnreachable, storeErr.Cause)
		assert.Contains(t, err.Error(), cfg.S3.BucketName)
		assert.EqualValues(t, 1, stored.Load(), "the unstored record is not reported stored")
		assert.ErrorAs(t, w.Add(t.Context(), record("orders", 3), nil), &storeErr)
	})
	t.Run("wrong secret", func(t *testing.T) {
		cfg := s3Config(t, srv, FormatJSONL, NoFlattening, CompressionNone)
		cfg.S3.SecretAccessKey = "wrong-secret-0123456789-abcdefghijklmnop"
		w, err := New(t.Context(), cfg, fastFailing)
		require.NoError(t, err)
		var stored atomic.Bool
		require.NoError(t, w.Add(t.Context(), record("orders", 1), func() { stored.Store(true) }))
		err = w.Close(t.Context())
		var storeErr *StoreError
		require.ErrorAs(t, err, &storeErr)
		assert.Equal(t, CauseBadCredentials, storeErr.Cause)
		assert.NotContains(t, err.Error(), "wrong-secret-0123456789")
		assert.False(t, stored.Load())
	})
}

func TestS3CheckOutcomes(t *testing.T) {
	srv := s3Server(t)
	tests := []struct {
		name   string
		change func(*StorageConfig)
		want   Cause // "" for success
	}{
		{"a good bucket", func(*StorageConfig) {}, ""},
		{"a missing bucket", func(c *StorageConfig) { c.S3.BucketName = "no-such-bucket-here" }, CauseNoSuchBucket},
		{"a wrong secret", func(c *StorageConfig) { c.S3.SecretAccessKey = "wrong-secret-0123456789-abcdefghijklmnop" }, CauseBadCredentials},
		{"an unknown access key", func(c *StorageConfig) { c.S3.AccessKeyID = "AKIAUNKNOWN000000000" }, CauseBadCredentials},
		{"an unreachable endpoint", func(c *StorageConfig) { c.S3.Endpoint = closedPort(t) }, CauseUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := s3Config(t, srv, FormatCSV, NoFlattening, CompressionNone)
			tt.change(&cfg)
			err := Check(t.Context(), cfg, fastFailing)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Empty(t, readBucket(t, srv, cfg.S3.BucketName), "the test object is deleted")
				return
			}
			var storeErr *StoreError
			require.ErrorAs(t, err, &storeErr)
			assert.Equal(t, tt.want, storeErr.Cause, "%v", err)
			assert.Contains(t, err.Error(), cfg.S3.BucketName)
			assert.NotContains(t, err.Error(), cfg.S3.SecretAccessKey.Reveal()[:12])
		})
	}
}

// waitFor polls an observable condition for up to 30 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "condition not met within 30s")
		time.Sleep(10 * time.Millisecond)
	}
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}
