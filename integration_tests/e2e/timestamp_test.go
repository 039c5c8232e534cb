package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteReadsWarehouseTimestamps sends, through the built binary, the timestamp forms
// warehouse sources emit (Airbyte's timestamp_with_timezone with microseconds, Postgres's
// "+05" offsets, timestamp_without_timezone read in timestamp_time_zone), all relative to
// now, and checks each event the fake received field by field. A date without a time is
// rejected, counted and explained without its value.
func TestWriteReadsWarehouseTimestamps(t *testing.T) {
	t.Parallel()
	// An hour ago, with microseconds; Asia/Kolkata has no daylight-saving time, so the
	// expected instant of a wall time there is unambiguous on any day.
	at := time.Now().Add(-time.Hour).Truncate(time.Second).Add(123456 * time.Microsecond)
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	require.NoError(t, err)
	minus5 := time.FixedZone("", -5*3600)
	want := at.UnixMilli() // the microseconds truncated
	cases := []struct{ id, ts string }{
		{"micro_z", at.UTC().Format("2006-01-02T15:04:05.000000Z07:00")},
		{"nanos_offset", at.In(kolkata).Format("2006-01-02T15:04:05.000000000-07:00")},
		{"postgres_hh", at.In(minus5).Format("2006-01-02 15:04:05.000000-07")},
		{"offset_hhmm", at.In(kolkata).Format("2006-01-02T15:04:05.000-0700")},
		{"lower_case", strings.ToLower(at.UTC().Format("2006-01-02T15:04:05.000000Z"))},
		{"naive_in_zone", at.In(kolkata).Format("2006-01-02 15:04:05.000000")},
		{"naive_with_t", at.In(kolkata).Format("2006-01-02T15:04:05.000000")},
		{"digits", strconv.FormatInt(want, 10)},
	}
	var stdin strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&stdin, `{"type":"RECORD","record":{"stream":"pg_events","namespace":"public","data":{"id":%q,"type":"lead_created","timestamp_ms":%q,"_airbyte_extracted_at":%q},"emitted_at":%d}}`+"\n",
			c.id, c.ts, at.UTC().Format(time.RFC3339Nano), want)
	}
	dateOnly := at.In(kolkata).Format("2006-01-02")
	fmt.Fprintf(&stdin, `{"type":"RECORD","record":{"stream":"pg_events","namespace":"public","data":{"id":"date_only","type":"lead_created","timestamp_ms":%q},"emitted_at":%d}}`+"\n", dateOnly, want)
	stdin.WriteString(`{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"pg_events","namespace":"public"},"stream_state":{"xmin":1}}}}` + "\n")

	f, cfg := defaultPixelSetup(t)
	cfg["timestamp_time_zone"] = "Asia/Kolkata"
	cfg["continue_on_errors"] = true
	pg := stream{name: "pg_events", namespace: "public", pixel: "pxl_default"}
	r := run(t, []byte(stdin.String()), writeArgs(t, cfg, catalogOf(pg))...)
	checkCommon(t, r)
	require.Equal(t, 0, r.Exit, "stdout:\n%s", r.Stdout)

	got := eventsByID(t, f)
	assert.Len(t, got, len(cases), "every timestamp form is delivered, the date alone is not")
	for _, c := range cases {
		ev, ok := got[c.id]
		if !assert.True(t, ok, "%s (%s) was not delivered", c.id, c.ts) {
			continue
		}
		assert.Equal(t, map[string]any{
			"id": c.id, "type": "lead_created", "timestamp_ms": float64(want),
			"data": map[string]any{"type": "customer_action"},
		}, ev, "%s: %s", c.id, c.ts)
	}

	warns := strings.Join(r.Logs("WARN"), "\n")
	assert.Contains(t, warns, `stream "public.pg_events" record 9: timestamp_ms: timestamp_format: is a date without a time of day`)
	assert.NotContains(t, warns, dateOnly, "the refused value is not quoted")
	assert.Contains(t, warns, `Stream "public.pg_events" (pixel pxl_default): 9 received, 8 delivered, 1 rejected (timestamp_format: 1).`)
}
