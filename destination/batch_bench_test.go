package destination

import (
	"fmt"
	"testing"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
)

// BenchmarkBatcher measures encoding events into request bodies: one op is one event added
// to its pixel's batch (500 bytes, two pixels, batches of 1,000), sealed batches dropped.
func BenchmarkBatcher(b *testing.B) {
	event := fmt.Appendf(nil, `{"id":"order_000000000","type":"order_created","timestamp_ms":1773892800000,"action_source":"web","source_url":"https://shop.example.com/checkout/confirmation","user":{"email_sha256":"%064x","country":"US","ip_address":"203.0.113.1","user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"},"data":{"type":"contents","amount":12999,"currency":"USD","contents":[{"id":"sku_4411","name":"Trail shoe","content_type":"product","quantity":1,"amount":12999}]}}`, 12345)
	bt := newBatcher(1000, false)
	pixels := []string{"pxl_a", "pxl_b"}
	var ready []*batch
	b.SetBytes(int64(len(event)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ready = bt.add(pixels[i&1], item{seq: checkpoint.Seq(i + 1), record: int64(i)}, event, nil, ready[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
