package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// warehouseRow is one row of a plain warehouse table as a Postgres source emits it: flat
// user_ and data_ columns, numbers and booleans typed as text, enums in upper case. nested
// is the same event written in the documented form.
type warehouseRow struct {
	typ          string // the event type as sent
	flat, nested string // record data with %[1]q for the id and %[2]d for the time
}

var warehouseRows = []warehouseRow{
	{
		typ: "order_created",
		flat: `{"id":%[1]q,"type":"ORDER_CREATED","timestamp_ms":%[2]d,"action_source":"WEB","source_url":"https://shop.example.com/checkout",` +
			`"user_email":" Person@Example.com","user_country":"US","data_amount":"12999","data_currency":"usd",` +
			`"data_contents":"[{\"id\":4411,\"quantity\":\"2\",\"amount\":\"6499\"}]","_airbyte_raw_id":"r1","_airbyte_extracted_at":"2026-11-30T12:00:00Z"}`,
		nested: `{"id":%[1]q,"type":"order_created","timestamp_ms":%[2]d,"action_source":"web","source_url":"https://shop.example.com/checkout",` +
			`"user":{"email":"person@example.com","country":"US"},"data":{"type":"contents","amount":12999,"currency":"USD","contents":[{"id":"4411","quantity":2,"amount":6499}]}}`,
	},
	{
		typ:    "lead_created",
		flat:   `{"id":%[1]q,"type":"Lead_Created","timestamp_ms":"%[2]d","action_source":"PHONE_CALL","opt_out":"TRUE","user_external_id":"cust-7","data_type":"CUSTOMER_ACTION"}`,
		nested: `{"id":%[1]q,"type":"lead_created","timestamp_ms":%[2]d,"action_source":"phone_call","opt_out":true,"user":{"external_id":"cust-7"}}`,
	},
	{
		typ:    "subscription_created",
		flat:   `{"id":%[1]q,"type":"SUBSCRIPTION_CREATED","timestamp_ms":%[2]d,"user":{"country":"FR"},"user_city":"Paris","data_plan_id":42,"data_amount":999,"data_currency":"EUR"}`,
		nested: `{"id":%[1]q,"type":"subscription_created","timestamp_ms":%[2]d,"user":{"country":"FR","city":"Paris"},"data":{"plan_id":"42","amount":999,"currency":"EUR"}}`,
	},
}

// TestWriteDeliversPlainWarehouseRows sends rows of a plain table, and the same events
// written nested on another stream, and checks that every row is delivered and arrives as
// its nested twin does, field by field.
func TestWriteDeliversPlainWarehouseRows(t *testing.T) {
	t.Parallel()
	f, cfg := defaultPixelSetup(t)
	cfg["continue_on_errors"] = true
	flatStream, nestedStream := stream{name: "pg_orders", namespace: "public", pixel: "pxl_default"}, stream{name: "nested", pixel: "pxl_default"}
	in := newInput()
	for round := range 2 {
		for i, row := range warehouseRows {
			for _, s := range []struct {
				st     stream
				prefix string
				data   string
			}{{flatStream, "flat", row.flat}, {nestedStream, "nested", row.nested}} {
				in.numbers[s.st.key()]++
				r := &inRecord{stream: s.st, number: in.numbers[s.st.key()], typ: row.typ, id: fmt.Sprintf("%s-%d-%d", s.prefix, round, i)}
				in.addRecord(r, fmt.Sprintf(s.data, r.id, in.now))
			}
		}
		in.streamState(flatStream).streamState(nestedStream)
	}
	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(flatStream, nestedStream))...)
	assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	for _, e := range echoed {
		assert.Zero(t, e.rejected, "no row is rejected")
	}
	assert.Empty(t, r.Logs("WARN"), "nothing is dropped or rejected")

	got := eventsByID(t, f)
	require.Len(t, got, 2*2*len(warehouseRows), "every row and its twin arrive once")
	for id, ev := range got {
		if !strings.HasPrefix(id, "flat-") {
			continue
		}
		twin := got["nested-"+strings.TrimPrefix(id, "flat-")]
		require.NotNil(t, twin, id)
		for field, want := range twin {
			if field != "id" {
				assert.Equal(t, want, ev[field], "%s: %s", id, field)
			}
		}
		assert.Len(t, ev, len(twin), "%s: fields", id)
		assert.Equal(t, float64(in.now), ev["timestamp_ms"], "%s: timestamp_ms", id)
	}
	order := got["flat-0-0"]
	require.NotNil(t, order)
	assert.Equal(t, "order_created", order["type"])
	assert.Equal(t, "web", order["action_source"])
	assert.Equal(t, map[string]any{"type": "contents", "amount": float64(12999), "currency": "USD",
		"contents": []any{map[string]any{"id": "4411", "quantity": float64(2), "amount": float64(6499)}}}, order["data"])
	lead := got["flat-0-1"]
	require.NotNil(t, lead)
	assert.Equal(t, true, lead["opt_out"])
	assert.Equal(t, "phone_call", lead["action_source"])
	assert.Equal(t, map[string]any{"type": "customer_action"}, lead["data"])
	plan := got["flat-0-2"]
	require.NotNil(t, plan)
	assert.Equal(t, map[string]any{"type": "plan_enrollment", "plan_id": "42", "amount": float64(999), "currency": "EUR"}, plan["data"])
	assert.NotContains(t, string(r.Stdout), "Person@Example.com", "personal data never appears in the output")
}

// TestWriteNamesTheFlatColumnOfARejectedRow checks that a rejection names the column the user
// wrote, and that two values of one field are refused.
func TestWriteNamesTheFlatColumnOfARejectedRow(t *testing.T) {
	t.Parallel()
	f, cfg := defaultPixelSetup(t)
	cfg["continue_on_errors"] = true
	s := stream{name: "pg_orders", pixel: "pxl_default"}
	in := newInput()
	for i, data := range []string{
		`{"id":%q,"type":"order_created","timestamp_ms":%d,"data_amount":"129.99","data_currency":"USD"}`,
		`{"id":%q,"type":"order_created","timestamp_ms":%d,"user_email":"a@example.com","user":{"email":"b@example.com"}}`,
	} {
		in.numbers[s.key()]++
		r := &inRecord{stream: s, number: in.numbers[s.key()], typ: "order_created", id: fmt.Sprintf("bad-%d", i), refused: true}
		in.addRecord(r, fmt.Sprintf(data, r.id, in.now))
	}
	in.streamState(s)
	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)
	assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	checkWrite(t, f, in, r)
	logs := strings.Join(append(r.Logs("INFO"), r.Logs("WARN")...), "\n")
	assert.Contains(t, logs, `record 1: data_amount: amount_integer: is a string that is not a whole number, wants an integer number of minor units`)
	assert.Contains(t, logs, `record 2: user_email: flat_conflict: is also given as user.email, with a different value`)
	assert.NotContains(t, logs, "a@example.com")
	assert.NotContains(t, logs, "129.99 USD", "the hint gives the rule, not the value")
	assert.Empty(t, f.api.Events())
}
