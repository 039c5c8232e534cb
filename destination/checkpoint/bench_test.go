package checkpoint

import "testing"

// benchPayload is boxed once so that the benchmark measures the Tracker, not
// the interface conversion of a fresh payload.
var benchPayload any = &struct{ id int }{id: 1}

// BenchmarkTracker measures one record per op (Record then Done, in order)
// with a STREAM state and a Ready call every 10,000 records.
func BenchmarkTracker(b *testing.B) {
	tr := New[any]()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		seq := tr.Record(0)
		if err := tr.Done(seq, Delivered); err != nil {
			b.Fatal(err)
		}
		if i++; i%10_000 == 0 {
			tr.StreamState(0, benchPayload)
			if len(tr.Ready()) != 1 {
				b.Fatal("state not released")
			}
		}
	}
}

// BenchmarkTrackerWindow measures one record per op with 1,024 records in
// flight across 4 streams, finished in a scrambled order, a STREAM state every
// 1,000 records and Ready after every Done: closer to the write command's
// steady state than BenchmarkTracker.
func BenchmarkTrackerWindow(b *testing.B) {
	const window = 1024
	tr := New[any]()
	var ring [window]Seq
	for j := range ring {
		ring[j] = tr.Record(StreamID(j % 4))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		j := (i * 769) % window // 769 is odd, so this visits every slot
		if err := tr.Done(ring[j], Delivered); err != nil {
			b.Fatal(err)
		}
		ring[j] = tr.Record(StreamID(i % 4))
		if i++; i%1000 == 0 {
			tr.StreamState(StreamID(i%4), benchPayload)
		}
		tr.Ready()
	}
}
