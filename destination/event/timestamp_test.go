package event

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// msAt returns the milliseconds of a UTC wall time plus ms milliseconds.
func msAt(year int, month time.Month, day, hour, min, sec, ms int) int64 {
	return time.Date(year, month, day, hour, min, sec, 0, time.UTC).UnixMilli() + int64(ms)
}

// timestampAcceptCases are the forms Airbyte's temporal types and warehouse
// sources produce, each with the milliseconds it stands for. testNow is
// 2026-03-19T04:05:00Z, so every case lies within the window.
var timestampAcceptCases = []struct {
	name string
	in   string // JSON value of timestamp_ms
	zone string // timestamp_time_zone; empty means UTC
	want int64
}{
	{name: "integer milliseconds", in: `1773892800000`, want: 1773892800000},
	{name: "integral float", in: `1773892800000.000`, want: 1773892800000},
	{name: "exponent", in: `1.7738928e12`, want: 1773892800000},
	{name: "digit string", in: `"1773892800000"`, want: 1773892800000},
	{name: "integral number as text", in: `"1.7738928e12"`, want: 1773892800000},
	{name: "RFC 3339 with Z", in: `"2026-03-19T04:00:00Z"`, want: msAt(2026, 3, 19, 4, 0, 0, 0)},
	{name: "milliseconds", in: `"2026-03-19T04:00:00.123Z"`, want: msAt(2026, 3, 19, 4, 0, 0, 123)},
	{name: "microseconds, Airbyte's canonical form", in: `"2026-03-19T04:00:00.123456Z"`, want: msAt(2026, 3, 19, 4, 0, 0, 123)},
	{name: "nanoseconds truncated, not rounded", in: `"2026-03-19T04:00:00.999999999Z"`, want: msAt(2026, 3, 19, 4, 0, 0, 999)},
	{name: "more digits than nanoseconds", in: `"2026-03-19T04:00:00.12345678901234Z"`, want: msAt(2026, 3, 19, 4, 0, 0, 123)},
	{name: "one fractional digit", in: `"2026-03-19T04:00:00.5Z"`, want: msAt(2026, 3, 19, 4, 0, 0, 500)},
	{name: "two fractional digits", in: `"2026-03-19T04:00:00.05Z"`, want: msAt(2026, 3, 19, 4, 0, 0, 50)},
	{name: "comma as decimal sign", in: `"2026-03-19T04:00:00,25Z"`, want: msAt(2026, 3, 19, 4, 0, 0, 250)},
	{name: "offset hh:mm", in: `"2026-03-19T05:30:00.123456+01:30"`, want: msAt(2026, 3, 19, 4, 0, 0, 123)},
	{name: "negative offset hh:mm", in: `"2026-03-18T23:00:00-05:00"`, want: msAt(2026, 3, 19, 4, 0, 0, 0)},
	{name: "offset hhmm", in: `"2026-03-19T05:00:00+0100"`, want: msAt(2026, 3, 19, 4, 0, 0, 0)},
	{name: "offset hh, as Postgres writes it", in: `"2026-03-19 09:00:00.5+05"`, want: msAt(2026, 3, 19, 4, 0, 0, 500)},
	{name: "offset zero", in: `"2026-03-19T04:00:00+00:00"`, want: msAt(2026, 3, 19, 4, 0, 0, 0)},
	{name: "space instead of T", in: `"2026-03-19 04:00:00Z"`, want: msAt(2026, 3, 19, 4, 0, 0, 0)},
	{name: "lower-case t and z", in: `"2026-03-19t04:00:00.1z"`, want: msAt(2026, 3, 19, 4, 0, 0, 100)},
	{name: "no zone, read in UTC by default", in: `"2026-03-19T04:00:00"`, want: msAt(2026, 3, 19, 4, 0, 0, 0)},
	{name: "no zone with microseconds and a space", in: `"2026-03-19 04:00:00.654321"`, want: msAt(2026, 3, 19, 4, 0, 0, 654)},
	{name: "no zone, read in the configured zone", in: `"2026-03-19T05:00:00.123456"`, zone: "Europe/Paris", want: msAt(2026, 3, 19, 4, 0, 0, 123)},
	{name: "no zone, zone west of UTC", in: `"2026-03-19 00:00:00"`, zone: "America/New_York", want: msAt(2026, 3, 19, 4, 0, 0, 0)},
	{name: "an explicit zone wins over the setting", in: `"2026-03-19T04:00:00Z"`, zone: "Asia/Tokyo", want: msAt(2026, 3, 19, 4, 0, 0, 0)},
}

func TestTimestampAccepts(t *testing.T) {
	for _, tc := range timestampAcceptCases {
		t.Run(tc.name, func(t *testing.T) {
			p := preparerIn(t, tc.zone)
			ev, err := p.Prepare("orders", 1, []byte(`{"id":"o1","type":"order_created","timestamp_ms":`+tc.in+`}`))
			require.NoError(t, err)
			want := fmt.Sprintf(`{"id":"o1","type":"order_created","timestamp_ms":%d,"data":{"type":"contents"}}`, tc.want)
			assert.Equal(t, want, string(ev.JSON))
			assertSchemaAccepts(t, `{"type":"order_created","timestamp_ms":`+tc.in+`}`)
		})
	}
}

// timestampRejectCases are the values that stay ambiguous or malformed, with
// the words of the hint that names the fix.
var timestampRejectCases = []struct {
	name, in string
	rule     string
	hint     string // a part of the hint
}{
	{name: "date without a time", in: `"2026-03-19"`, rule: RuleTimestampFormat, hint: "select a timestamp column"},
	{name: "BC suffix", in: `"2026-03-19T04:00:00Z BC"`, rule: RuleTimestampFormat, hint: "last 7 days"},
	{name: "BC date without a time", in: `"0044-03-15 bc"`, rule: RuleTimestampFormat, hint: "last 7 days"},
	{name: "negative year", in: `"-0044-03-15T12:00:00Z"`, rule: RuleTimestampFormat, hint: "last 7 days"},
	{name: "fractional epoch number", in: `1773892800000.5`, rule: RuleTimestampFormat, hint: "truncate the fraction"},
	{name: "fractional epoch in exponent form", in: `1.77389280000051e12`, rule: RuleTimestampFormat, hint: "truncate the fraction"},
	{name: "fractional epoch as text", in: `"1773892800000.5"`, rule: RuleTimestampFormat, hint: "truncate the fraction"},
	{name: "epoch beyond int64", in: `99999999999999999999`, rule: RuleTimestampFormat, hint: "truncate the fraction"},
	{name: "signed year", in: `"+2026-03-19T04:00:00Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "five-digit year", in: `"20260-03-19T04:00:00Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "no seconds", in: `"2026-03-19T04:00Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "point without digits", in: `"2026-03-19T04:00:00.Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "other separator", in: `"2026-03-19_04:00:00Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "space before the zone", in: `"2026-03-19 04:00:00 +00:00"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "zone name", in: `"2026-03-19 04:00:00 UTC"`, rule: RuleTimestampFormat, hint: "timestamp_time_zone"},
	{name: "offset with one digit", in: `"2026-03-19T04:00:00+1"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "offset hour 24", in: `"2026-03-19T04:00:00+24:00"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "offset minutes 60", in: `"2026-03-19T04:00:00+01:60"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "trailing text", in: `"2026-03-19T04:00:00Zx"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "month 13", in: `"2026-13-19T04:00:00Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "February 29 of a common year", in: `"2026-02-29T04:00:00Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "hour 24", in: `"2026-03-19T24:00:00Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "leap second", in: `"2026-03-19T03:59:60Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "day zero", in: `"2026-03-00T04:00:00Z"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "empty string", in: `""`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "words", in: `"yesterday"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "digits with a leading zero", in: `"01773892800000"`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "boolean", in: `true`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "object", in: `{"ms":1}`, rule: RuleTimestampFormat, hint: "ISO 8601"},
	{name: "valid but 8 days old", in: `"2026-03-11T04:00:00.123456Z"`, rule: RuleTimestampWindow, hint: "last 7 days"},
	{name: "naive time ahead once read in its zone", in: `"2026-03-19T04:00:00"`, rule: RuleTimestampWindow, hint: "clock skew"},
	{name: "epoch seconds", in: `1773892800`, rule: RuleTimestampWindow, hint: "multiply by 1000"},
	{name: "epoch microseconds as text", in: `"1773892800000000"`, rule: RuleTimestampWindow, hint: "divide by 1000"},
}

func TestTimestampRejects(t *testing.T) {
	for _, tc := range timestampRejectCases {
		t.Run(tc.name, func(t *testing.T) {
			zone := ""
			if strings.HasPrefix(tc.name, "naive time ahead") {
				zone = "America/Los_Angeles" // 04:00 there is 11:00 or 12:00 UTC
			}
			_, err := preparerIn(t, zone).Prepare("orders", 4, []byte(`{"id":"o1","type":"order_created","timestamp_ms":`+tc.in+`}`))
			rej := assertRule(t, err, "timestamp_ms", tc.rule)
			assert.Contains(t, rej.Hint, tc.hint)
			assert.True(t, rej.Message[0] >= 'a' && rej.Message[0] <= 'z', "a message continues the field's path: %q", rej.Message)
			if len(tc.in) > 8 {
				assert.NotContains(t, rej.Error(), strings.Trim(tc.in, `"`), "a rejection never quotes the value")
			}
		})
	}
}

// TestNaiveTimesAcrossDaylightSavingChanges pins how a wall time that a
// change repeats or skips is read, which time.Date leaves unspecified.
func TestNaiveTimesAcrossDaylightSavingChanges(t *testing.T) {
	for _, tc := range []struct {
		name, zone, in string
		want           string // the instant, in RFC 3339
	}{
		{name: "New York, repeated hour: the earlier instant", zone: "America/New_York", in: "2026-11-01 01:30:00", want: "2026-11-01T05:30:00Z"},
		{name: "Berlin, repeated hour: the earlier instant", zone: "Europe/Berlin", in: "2026-10-25 02:30:00", want: "2026-10-25T00:30:00Z"},
		{name: "New York, skipped hour: offset before the change", zone: "America/New_York", in: "2026-03-08 02:30:00", want: "2026-03-08T07:30:00Z"},
		{name: "Berlin, skipped hour: offset before the change", zone: "Europe/Berlin", in: "2026-03-29 02:30:00", want: "2026-03-29T01:30:00Z"},
		{name: "Berlin, just before the repeated hour", zone: "Europe/Berlin", in: "2026-10-25 01:59:59", want: "2026-10-24T23:59:59Z"},
		{name: "Berlin, just after the repeated hour", zone: "Europe/Berlin", in: "2026-10-25 03:00:00", want: "2026-10-25T02:00:00Z"},
		{name: "Berlin, winter", zone: "Europe/Berlin", in: "2026-01-15 12:00:00", want: "2026-01-15T11:00:00Z"},
		{name: "Kolkata, half-hour offset", zone: "Asia/Kolkata", in: "2026-01-15 12:00:00", want: "2026-01-15T06:30:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			require.NoError(t, err)
			got, prob := parseISOTime(tc.in, loc)
			require.Nil(t, prob)
			want, err := time.Parse(time.RFC3339, tc.want)
			require.NoError(t, err)
			assert.Equal(t, want.UTC().Format(time.RFC3339), time.UnixMilli(got).UTC().Format(time.RFC3339))
		})
	}
}

func TestParseISOTimeFollowsTheGregorianCalendar(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2028-02-29T00:00:00Z", true},
		{"2000-02-29T00:00:00Z", true},
		{"2100-02-29T00:00:00Z", false},
		{"2026-04-31T00:00:00Z", false},
		{"2026-12-31T23:59:59.999999Z", true},
		{"0001-01-01T00:00:00Z", true},
		{"9999-12-31T23:59:59Z", true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, prob := parseISOTime(tc.in, time.UTC)
			if !tc.ok {
				require.NotNil(t, prob)
				return
			}
			require.Nil(t, prob)
			want, err := time.Parse(time.RFC3339Nano, tc.in)
			require.NoError(t, err)
			assert.Equal(t, want.UnixMilli(), got)
		})
	}
}

func TestTimestampParsingDoesNotAllocate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	for _, in := range []string{"2026-11-30T12:34:56.123456Z", "2026-11-30 12:34:56.123456", "2026-11-30T12:34:56+05:30"} {
		for _, loc := range []*time.Location{time.UTC, paris} {
			allocs := testing.AllocsPerRun(100, func() {
				if _, p := parseISOTime(in, loc); p != nil {
					t.Fatal(p)
				}
			})
			assert.Zero(t, allocs, "%s in %s", in, loc)
		}
	}
}

// preparerIn returns a preparer at testNow that reads zone-less times in zone.
func preparerIn(t testing.TB, zone string) *Preparer {
	t.Helper()
	opts := Options{Now: func() time.Time { return testNow }}
	if zone != "" {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		opts.TimeZone = loc
	}
	p, err := NewPreparer(opts)
	require.NoError(t, err)
	return p
}

// BenchmarkTimestamp measures normaliseTimestamp on the forms warehouses send.
func BenchmarkTimestamp(b *testing.B) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(b, err)
	for _, bc := range []struct {
		name string
		v    val
		loc  *time.Location
	}{
		{"integer", val{k: number, s: "1773892800000"}, time.UTC},
		{"iso-micro-utc", val{k: text, s: "2026-03-19T04:00:00.123456Z"}, time.UTC},
		{"iso-offset", val{k: text, s: "2026-03-19 09:30:00.123456+05:30"}, time.UTC},
		{"naive-in-zone", val{k: text, s: "2026-03-19 05:00:00.123456"}, paris},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, p := normaliseTimestamp(bc.v, testNow, bc.loc); p != nil {
					b.Fatal(p)
				}
			}
		})
	}
}
