package event

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkPrepare measures the whole per-record path (decode, validate,
// normalise, encode) on realistic records of about 500 bytes: benchRecord,
// and identityRecord, whose user holds an e-mail, a phone, an external id,
// both names and a city to normalise and hash. "default" includes the
// sampled schema validation; "schema-backstop" validates every event.
func BenchmarkPrepare(b *testing.B) {
	for _, bc := range []struct {
		name   string
		record string
		opts   Options
	}{
		{"default", benchRecord, Options{Now: func() time.Time { return testNow }}},
		{"identity", identityRecord, Options{Now: func() time.Time { return testNow }}},
		{"schema-backstop", benchRecord, Options{Now: func() time.Time { return testNow }, ValidateSchema: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := NewPreparer(bc.opts)
			require.NoError(b, err)
			data := []byte(bc.record)
			_, err = p.Prepare("orders", 1, data)
			require.NoError(b, err)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.Prepare("orders", int64(i+1), data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
