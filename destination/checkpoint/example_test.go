package checkpoint_test

import (
	"fmt"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
)

// The protocol's worked example: three records, a STREAM state, and the
// middle record rejected by the API.
func Example() {
	const conversions checkpoint.StreamID = 0
	tr := checkpoint.New[string]()

	a1 := tr.Record(conversions)
	a2 := tr.Record(conversions)
	a3 := tr.Record(conversions)
	tr.StreamState(conversions, `{"id":7}`)
	fmt.Println("released before the flush:", len(tr.Ready()))

	// The batch comes back: A2 is rejected, A1 and A3 are accepted.
	for _, d := range []struct {
		seq checkpoint.Seq
		o   checkpoint.Outcome
	}{{a3, checkpoint.Delivered}, {a2, checkpoint.Rejected}, {a1, checkpoint.Delivered}} {
		if err := tr.Done(d.seq, d.o); err != nil {
			panic(err) // a bug in the caller
		}
	}
	for _, r := range tr.Ready() {
		fmt.Printf("echo %v recordCount=%d rejectedRecordCount=%d\n", r.Payload, r.Stats.Delivered, r.Stats.Rejected)
	}
	// Output:
	// released before the flush: 0
	// echo {"id":7} recordCount=2 rejectedRecordCount=1
}
