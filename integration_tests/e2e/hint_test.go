package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Rejections give the rule, never the value: an amount in major units is told to be
// multiplied, without echoing it; an integer that is only too large is told so, not to be
// multiplied.
func TestRejectionHintsGiveTheRuleNotTheValue(t *testing.T) {
	t.Parallel()
	s := stream{name: "orders", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	cfg["continue_on_errors"] = true
	in := newInput()
	amounts := []string{"45.5", "1e19", "1000000000000000000000", `"1000000000000000000000"`}
	for i, amount := range amounts {
		in.numbers[s.key()]++
		r := &inRecord{stream: s, number: in.numbers[s.key()], typ: "order_created", id: fmt.Sprintf("amount-%d", i), refused: true}
		in.addRecord(r, fmt.Sprintf(`{"id":%q,"type":"order_created","timestamp_ms":%d,"action_source":"other","data":{"amount":%s,"currency":"USD"}}`, r.id, in.now, amount))
	}
	in.records(s, 1).streamState(s)

	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)

	assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	checkWrite(t, f, in, r)
	warns := r.Logs("WARN")
	for _, value := range []string{"4550", "45.5", "1e19", "1000000000000000000000", "10000000000000000000"} {
		assert.NotContains(t, strings.Join(warns, "\n"), value, "no rejection quotes the value")
	}
	assert.True(t, containsAll(warns, "record 1: data.amount: amount_integer: must be an integer in minor units", "USD has 2 decimals, so multiply by 100"),
		"the fraction gets the minor-units advice; warnings: %q", warns)
	for _, n := range []int{2, 3, 4} {
		record := fmt.Sprintf("record %d: data.amount: amount_integer: is too large", n)
		assert.True(t, containsAll(warns, record), "the too-large integer is told so; warnings: %q", warns)
		for _, w := range warns {
			if strings.Contains(w, record) {
				assert.NotContains(t, w, "multiply", "no minor-units advice for a number that is only too large")
			}
		}
	}
}
