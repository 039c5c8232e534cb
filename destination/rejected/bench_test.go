package rejected

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// discardStore accepts every object and keeps nothing.
type discardStore struct{}

func (discardStore) put(context.Context, string, []byte) error { return nil }
func (discardStore) remove(context.Context, string) error      { return nil }
func (discardStore) exists(context.Context) error              { return nil }

// BenchmarkWriterCSVGzip adds rejected records of about 300 bytes, spread over 4 streams, to
// a writer of CSV+GZIP parts, into memory and into the real S3 test server.
func BenchmarkWriterCSVGzip(b *testing.B) {
	data := json.RawMessage(`{"order_id":"A-000123","email":"person@example.com","value":129.95,"currency":"EUR","items":[{"sku":"SKU-1","qty":2},{"sku":"SKU-2","qty":1}],"created_at":"2026-11-30T12:34:56Z"}`)
	recs := make([]Record, 4)
	for i := range recs {
		recs[i] = Record{Namespace: "shop", Stream: fmt.Sprintf("stream_%d", i), Rule: "api_refused", FieldPath: "events[0].value",
			Message: "value must be positive", APICode: "invalid_value", EmittedAt: time.Now().UnixMilli(), Data: data}
	}
	run := func(b *testing.B, cfg StorageConfig, opts Options) {
		w, err := New(b.Context(), cfg, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			rec := recs[i%len(recs)]
			rec.RecordNumber = int64(i + 1)
			if err := w.Add(b.Context(), rec, nil); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(b.Context()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("memory", func(b *testing.B) {
		run(b, testConfig(FormatCSV, NoFlattening, CompressionGZIP), Options{store: discardStore{}})
	})
	b.Run("s3", func(b *testing.B) {
		run(b, s3Config(b, s3Server(b), FormatCSV, NoFlattening, CompressionGZIP), Options{})
	})
}
