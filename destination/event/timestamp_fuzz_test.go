package event

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzTimestamp checks, for any text, that the timestamp parser never panics,
// refuses with a timestamp rule and a hint, and agrees with the standard
// library: a text time.Parse reads as RFC 3339 is accepted as the same
// instant truncated to the millisecond, its zone-less form is that instant's
// wall time in UTC, and T, Z and t, z mean the same. (Offsets with more
// than 23 hours or 59 minutes, and one-digit
// hours, which time.Parse lets through, are refused.)
func FuzzTimestamp(f *testing.F) {
	for _, tc := range timestampAcceptCases {
		f.Add(strings.Trim(tc.in, `"`))
	}
	for _, tc := range timestampRejectCases {
		f.Add(strings.Trim(tc.in, `"`))
	}
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []*time.Location{time.UTC, paris} {
			if _, p := normaliseTimestamp(val{k: text, s: s}, testNow, loc); p != nil {
				require.Equal(t, pathTimestamp, p.path)
				require.Contains(t, []string{RuleTimestampFormat, RuleTimestampWindow}, p.rule)
				require.NotEmpty(t, p.hint)
			}
		}
		std, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || std.Year() < 1 || isJSONNumber(s) || !fixedWidth(s) || offsetOutOfRange(s) {
			return
		}
		got, p := parseISOTime(s, paris)
		require.Nil(t, p, "time.Parse accepts %q", s)
		require.Equal(t, std.UnixMilli(), got, "%q", s)
		lower, p := parseISOTime(strings.ToLower(s), paris)
		require.Nil(t, p)
		require.Equal(t, got, lower)
		naive := std.UTC().Format("2006-01-02 15:04:05.000000000")
		inUTC, p := parseISOTime(naive, time.UTC)
		require.Nil(t, p, "%q", naive)
		require.Equal(t, got, inUTC, "%q read in UTC", naive)
	})
}

// offsetOutOfRange reports whether s ends in an offset ±hh:mm with hours
// above 23 or minutes above 59, which time.Parse accepts and RFC 3339 does not.
func offsetOutOfRange(s string) bool {
	if len(s) < 6 || (s[len(s)-6] != '+' && s[len(s)-6] != '-') {
		return false
	}
	h, okH := digits(s, len(s)-5, 2)
	m, okM := digits(s, len(s)-2, 2)
	return okH && okM && (h > 23 || m > 59)
}

// fixedWidth reports whether s has two-digit month, day, hour, minute and
// second fields at their ISO 8601 places.
func fixedWidth(s string) bool {
	return len(s) >= 20 && s[4] == '-' && s[7] == '-' && s[13] == ':' && s[16] == ':'
}
