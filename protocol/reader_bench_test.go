package protocol

import (
	"bytes"
	"testing"
)

// BenchmarkReaderRecord measures reading one RECORD line of about 600 bytes.
func BenchmarkReaderRecord(b *testing.B) {
	line := []byte(`{"type":"RECORD","record":{"stream":"orders","namespace":"shop","data":{"id":"order_12345","type":"order_created","timestamp_ms":1773892800000,"action_source":"web","source_url":"https://shop.example.com/checkout/confirmation","user":{"email":"jane.doe@example.com","country":"US","city":"San Francisco","ip_address":"203.0.113.1","user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"},"data":{"type":"contents","amount":12999,"currency":"USD","contents":[{"id":"sku_4411","name":"Trail shoe","content_type":"product","quantity":1,"amount":12999}]}},"emitted_at":1773892800000}}` + "\n")
	input := bytes.Repeat(line, 10000)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	r := NewReader(bytes.NewReader(input), 0)
	for b.Loop() {
		if _, err := r.Next(); err != nil {
			r = NewReader(bytes.NewReader(input), 0)
			if _, err := r.Next(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
