package event_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
)

func Example() {
	p, err := event.NewPreparer(event.Options{Now: func() time.Time {
		return time.Date(2026, 3, 19, 4, 5, 0, 0, time.UTC)
	}})
	if err != nil {
		panic(err)
	}
	ev, err := p.Prepare("orders", 1, []byte(`{"id":"order_1","type":"order_created","timestamp_ms":"2026-03-19T04:00:00Z",
		"user":{"EMAIL":" Jane@Example.com","phone_number":"+1 (555) 010-0100","Country":"us","nickname":"JD"},
		"coupon":"SPRING",
		"data":{"amount":12999,"currency":"usd"}}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(ev.JSON))
	for _, d := range ev.Dropped {
		fmt.Printf("dropped %s: %s\n", d.Path, d.Reason)
	}

	_, err = p.Prepare("orders", 2, []byte(`{"id":"order_2","type":"order_created","timestamp_ms":1773892800000,
		"data":{"amount":129.99,"currency":"USD"}}`))
	var rej *event.Rejection
	if errors.As(err, &rej) {
		fmt.Println(rej)
	}
	// Output:
	// {"id":"order_1","type":"order_created","timestamp_ms":1773892800000,"user":{"emails_sha256":["8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d"],"phone_numbers_sha256":["5ac1e73a27fb8c0bf4d42ce5ad49fc741925f2a579417ecd0aca2ef704af0d0c"],"countries":["US"]},"data":{"type":"contents","amount":12999,"currency":"USD"}}
	// dropped coupon: not a documented field, so it is not sent
	// dropped user.nickname: not a documented user field, so it is not sent (see the alias table)
	// stream "orders" record 2: data.amount: amount_integer: must be an integer in minor units (hint: amounts are integers in minor units; USD has 2 decimals, so multiply by 100)
}
