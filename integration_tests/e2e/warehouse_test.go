package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteDeliversAPostgresShapedStreamWhole sends one stream shaped as Airbyte's Postgres
// source emits a plain table: timestamp_with_timezone in microseconds (with Z and with an
// offset), timestamp_without_timezone read in the timestamp_time_zone setting, numbers,
// booleans and enums typed as text or in upper case, flat user_ and data_ columns, integer
// ids and phones, and the _airbyte_ metadata columns. Every row is delivered, and each event
// the fake received is checked field by field against what the API documents, computed here
// independently of the connector's code.
func TestWriteDeliversAPostgresShapedStreamWhole(t *testing.T) {
	t.Parallel()
	tokyo, err := time.LoadLocation("Asia/Tokyo") // no daylight-saving time: one instant per wall time
	require.NoError(t, err)
	at := time.Now().Add(-90 * time.Minute).Truncate(time.Second).Add(654321 * time.Microsecond)
	wantMS := float64(at.UnixMilli()) // microseconds truncated to the millisecond
	extracted := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")

	type row struct {
		data string         // record data
		want map[string]any // the event as the API receives it
	}
	rows := map[string]row{
		"ord-1": {
			data: fmt.Sprintf(`{"id":"ord-1","type":"ORDER_CREATED","timestamp_ms":%q,"action_source":"OFFLINE","opt_out":"false",`+
				`"user_email":"  Jane.Doe@Example.COM ","user_phone":"+1 (415) 555-0134","user_country":"us","user_zip":"94107",`+
				`"data_amount":"12999","data_currency":"usd","data_contents":"[{\"id\":4411,\"quantity\":\"2\",\"amount\":\"6499\"}]",`+
				`"_airbyte_raw_id":"0b6d","_airbyte_extracted_at":%q,"_ab_cdc_lsn":12345}`,
				at.UTC().Format("2006-01-02T15:04:05.000000Z"), extracted),
			want: map[string]any{"id": "ord-1", "type": "order_created", "timestamp_ms": wantMS, "action_source": "offline", "opt_out": false,
				"user": map[string]any{"emails_sha256": []any{sha("jane.doe@example.com")}, "phone_numbers_sha256": []any{sha("14155550134")},
					"countries": []any{"US"}, "postal_codes": []any{"94107"}},
				"data": map[string]any{"type": "contents", "amount": 12999.0, "currency": "USD",
					"contents": []any{map[string]any{"id": "4411", "quantity": 2.0, "amount": 6499.0}}}},
		},
		"lead-2": {
			data: fmt.Sprintf(`{"id":"lead-2","type":"Lead_Created","timestamp_ms":%q,"action_source":"PHONE_CALL","opt_out":"TRUE",`+
				`"user_external_id":98765,"user_phone":4915112345678,"user_first_name":" Ștefan ","user_city":" Paris ","data_type":"CUSTOMER_ACTION",`+
				`"_airbyte_extracted_at":%q}`,
				at.In(tokyo).Format("2006-01-02 15:04:05.000000"), extracted), // without a zone: read in Asia/Tokyo
			want: map[string]any{"id": "lead-2", "type": "lead_created", "timestamp_ms": wantMS, "action_source": "phone_call", "opt_out": true,
				"user": map[string]any{"phone_numbers_sha256": []any{sha("4915112345678")}, "external_ids_sha256": []any{sha("98765")},
					"first_names_sha256": []any{sha("ștefan")}, "cities": []any{"paris"}},
				"data": map[string]any{"type": "customer_action"}},
		},
		"sub-3": {
			data: fmt.Sprintf(`{"id":"sub-3","type":"SUBSCRIPTION_CREATED","timestamp_ms":%q,"user_emails":"[\"a@example.com\",\"A@example.com \",\"b@example.com\"]",`+
				`"data_plan_id":42,"data_amount":"999","data_currency":"EUR","_airbyte_extracted_at":%q}`,
				at.In(time.FixedZone("", 5*3600+1800)).Format("2006-01-02 15:04:05.000000-07:00"), extracted), // Postgres's +05:30, a space for T
			want: map[string]any{"id": "sub-3", "type": "subscription_created", "timestamp_ms": wantMS,
				"user": map[string]any{"emails_sha256": []any{sha("a@example.com"), sha("b@example.com")}},
				"data": map[string]any{"type": "plan_enrollment", "plan_id": "42", "amount": 999.0, "currency": "EUR"}},
		},
	}
	var stdin strings.Builder
	for _, id := range []string{"ord-1", "lead-2", "sub-3"} {
		fmt.Fprintf(&stdin, `{"type":"RECORD","record":{"stream":"orders","namespace":"public","data":%s,"emitted_at":%d}}`+"\n",
			rows[id].data, time.Now().UnixMilli())
	}
	stdin.WriteString(`{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"orders","namespace":"public"},"stream_state":{"cursor":"x"}}}}` + "\n")

	f, cfg := defaultPixelSetup(t)
	cfg["timestamp_time_zone"] = "Asia/Tokyo"
	pg := stream{name: "orders", namespace: "public", pixel: "pxl_default"}
	r := run(t, []byte(stdin.String()), writeArgs(t, cfg, catalogOf(pg))...)
	checkCommon(t, r)
	require.Equal(t, 0, r.Exit, "continue_on_errors is off: any refused row would fail the sync; stdout:\n%s", r.Stdout)
	require.Len(t, r.OfType("STATE"), 1, "the state is echoed once every row is delivered")
	assert.Empty(t, r.Logs("WARN"), "nothing is dropped or rejected")

	got := eventsByID(t, f)
	require.Len(t, got, len(rows), "every row arrives, once")
	for id, rw := range rows {
		ev := got[id]
		require.NotNil(t, ev, id)
		for field, want := range rw.want {
			assert.Equal(t, want, ev[field], "%s: %s", id, field)
		}
		assert.Len(t, ev, len(rw.want), "%s: no other field is sent: %v", id, ev)
	}
	assert.NotContains(t, r.Stdout, "Jane.Doe", "personal data never appears in the output")
}
