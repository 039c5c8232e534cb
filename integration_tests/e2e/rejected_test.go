package e2e

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// The streams whose rejected records go to a bucket: one with a namespace, one without.
var (
	shopOrders = stream{name: "orders", namespace: "shop", pixel: "pxl_default"}
	plainLeads = stream{name: "leads", pixel: "pxl_default"}
)

// rejections adds a round of records of s: n valid ones, of which the API refuses every
// poisonEvery-th (0: none), then the records the connector's own checks refuse, then a state
// of s. It returns the ids to poison.
func (in *input) rejections(s stream, n, poisonEvery int) []string {
	var poison []string
	for i := 1; i <= n; i++ {
		r := in.record(s)
		if poisonEvery > 0 && i%poisonEvery == 0 {
			r.refused = true
			poison = append(poison, r.id)
		}
	}
	in.invalidRecords(s)
	in.streamState(s)
	return poison
}

// twoStreamRejections is an input of two rounds on two streams, each with rejections of both
// kinds and a state per stream, and the ids the API must refuse.
func twoStreamRejections() (*input, []string) {
	in := newInput()
	var poison []string
	poison = append(poison, in.rejections(shopOrders, 30, 10)...)
	poison = append(poison, in.rejections(plainLeads, 12, 6)...)
	poison = append(poison, in.rejections(shopOrders, 10, 5)...)
	poison = append(poison, in.rejections(plainLeads, 5, 0)...)
	return in, poison
}

// assertBucketHoldsExactlyTheRejected checks that the bucket holds each rejected record of in
// once, with its reasons and data, and nothing else; it returns the rows by record.
func assertBucketHoldsExactlyTheRejected(t *testing.T, st storage, in *input, poison []string) map[string]storedRow {
	t.Helper()
	rows := readRejected(t, st.srv, st.bucket)
	stored := byRecord(t, rows)
	poisoned := map[string]bool{}
	for _, id := range poison {
		poisoned[id] = true
	}
	refused := refusedRecords(in)
	assert.Len(t, rows, len(refused), "the bucket holds the rejected records and nothing else")
	for i, rec := range refused {
		row, ok := stored[rowKey(rec.stream.key(), strconv.Itoa(rec.number))]
		if assert.True(t, ok, "rejected record %s (stream %s, number %d) is stored", rec.id, rec.stream.key(), rec.number) {
			assertStoredRow(t, in, i, rec, row, poisoned[rec.id])
		}
	}
	assertPartNumbers(t, rows)
	return stored
}

// A sync with rejections of both kinds (the connector's rules and the API's refusals) on two
// streams stores exactly the rejected records, each once, with their reasons and original data,
// in the documented layout, in every format; each state is echoed after the objects holding its
// rejections were uploaded, and its rejectedRecordCount is exact. Continue on errors is off:
// with a bucket, a rejected record does not fail the sync.
func TestWriteStoresEveryRejectedRecordOnceInTheBucket(t *testing.T) {
	t.Parallel()
	srv := s3Server(t)
	tests := []struct {
		name        string
		format      map[string]any
		compression string
		extension   string
	}{
		{"CSV", csvFormat("No flattening"), "", ".csv"},
		{"CSV with root level flattening", csvFormat("Root level flattening"), "", ".csv"},
		{"JSONL", jsonlFormat(), "", ".jsonl"},
		{"CSV with GZIP", csvFormat("Root level flattening"), "GZIP", ".csv.gz"},
		{"JSONL with GZIP", jsonlFormat(), "GZIP", ".jsonl.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, cfg := defaultPixelSetup(t)
			st := storage{srv: srv, bucket: srv.CreateBucket(t), format: tt.format, compression: tt.compression}
			cfg["object_storage_config"] = st.config()
			require.Equal(t, false, cfg["continue_on_errors"])
			in, poison := twoStreamRejections()
			f.api.Poison(poison...)

			r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(shopOrders, plainLeads))...)

			require.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
			echoed := checkWrite(t, f, in, r) // every state, with exact counts
			assertExactlyOnce(t, f, in)
			var rejectedCount float64
			for _, e := range echoed {
				rejectedCount += e.rejected
			}
			assert.Equal(t, float64(len(refusedRecords(in))), rejectedCount, "rejectedRecordCount adds up to the rejected records")
			stored := assertBucketHoldsExactlyTheRejected(t, st, in, poison)
			assertStoredBeforeEchoed(t, in, r, echoed, stored)
			syncIDs := map[string]bool{}
			for _, row := range stored {
				k, _ := parseObjectKey(t, row.object)
				assert.Equal(t, tt.extension, k.extension, "object %s", row.object)
				syncIDs[k.syncID] = true
			}
			assert.Len(t, syncIDs, 1, "one {sync_id} per run")
			where := "s3://" + st.bucket + "/" + bucketPath
			assert.True(t, containsAll(r.Logs("WARN"), "Summary:", where) || containsAll(r.Logs("INFO"), "Summary:", where),
				"the summary says where the rejected records went; stdout:\n%s", r.Stdout)
			assertNoSecret(t, r, srv.SecretKey)
		})
	}
}

// assertNoSecret checks that the S3 secret appears nowhere in a run's output.
func assertNoSecret(t *testing.T, r *connectortest.Result, secret string) {
	t.Helper()
	assertNoPieceOfKey(t, r.Stdout, secret)
	assert.NotContains(t, r.Stderr, secret)
}
