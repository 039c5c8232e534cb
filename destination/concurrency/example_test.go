package concurrency_test

import (
	"context"
	"fmt"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/concurrency"
)

// A sender takes a slot for each attempt and reports how it went.
func Example() {
	l := concurrency.New(concurrency.Options{Initial: 2, Max: 16})
	ctx := context.Background()

	if err := l.Acquire(ctx); err != nil {
		return // ctx is done: stop sending
	}
	start := time.Now()
	status := 429 // the API's answer to the attempt
	l.Release(concurrency.Result{
		RTT:          time.Since(start),
		Backpressure: status == 429 || status == 408 || status >= 500,
	})
	fmt.Println("limit:", l.Limit(), "in flight:", l.InFlight())
	// Output: limit: 1 in flight: 0
}
