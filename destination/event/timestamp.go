package event

import (
	"strconv"
	"time"
)

// MaxAge and MaxSkew are the API's time window: it accepts an event at most MaxAge old and at
// most MaxSkew ahead of its clock. Prepare checks them against Options.Now; a sender checks them
// again immediately before each transmission (reference §0.2).
const (
	MaxAge  = 7 * 24 * time.Hour
	MaxSkew = 10 * time.Minute
)

// Hints of the timestamp_format refusals. They show formats, never the value.
const (
	hintTimestampForms = "send milliseconds since the Unix epoch such as 1773892800000, or an ISO 8601 date and time such as " +
		"2026-11-30T12:34:56.123456Z; a time without a zone (2026-11-30 12:34:56) is read in the Timestamp time zone setting (timestamp_time_zone)"
	hintWholeMillis = "truncate the fraction in the source (for example CAST(... AS BIGINT)), " +
		"or send an ISO 8601 time such as 2026-11-30T12:34:56.789Z"
	hintDateOnly = "send the event's date and time, such as 2026-11-30T12:34:56Z: select a timestamp column, " +
		"or append a time of day in the source"
	hintBC = "send the event's real time: the API accepts only events from the last 7 days"
)

// normaliseTimestamp turns a timestamp_ms value into milliseconds since the
// Unix epoch and checks it against the window around now. It accepts an
// integral JSON number in any notation (1773892800000, 1773892800000.0,
// 1.7738928e12), the same as a JSON string, or an ISO 8601 date and time (see
// parseISOTime); a time without a zone is read in loc. Fractional
// milliseconds given as a number are refused, never rounded; the digits of
// an ISO 8601 fraction below the millisecond are truncated.
func normaliseTimestamp(v val, now time.Time, loc *time.Location) (int64, *problem) {
	var ms int64
	var p *problem
	switch {
	case v.k == number || (v.k == text && isJSONNumber(v.s)):
		ms, p = epochMillis(v.s)
	case v.k == text:
		ms, p = parseISOTime(v.s, loc)
	default:
		p = rejectHint(pathTimestamp, RuleTimestampFormat, "must be integer milliseconds or an ISO 8601 date and time", hintTimestampForms)
	}
	if p != nil {
		return 0, p
	}
	return ms, checkWindow(ms, now)
}

// pathTimestamp is the field every timestamp problem names.
const pathTimestamp = "timestamp_ms"

// epochMillis converts a JSON number (or its text) to whole milliseconds.
func epochMillis(n string) (int64, *problem) {
	if isPlainInteger(n) && len(n) < 19 { // the common case: no exponent, fraction or overflow
		i, err := strconv.ParseInt(n, 10, 64)
		if err == nil {
			return i, nil
		}
	}
	i, _, ok := integer(n)
	if !ok {
		return 0, rejectHint(pathTimestamp, RuleTimestampFormat, "must be a whole number of milliseconds within range", hintWholeMillis)
	}
	return i, nil
}

// checkWindow refuses a time more than MaxAge before now or more than MaxSkew
// after it, with a hint when the value looks like seconds or microseconds.
func checkWindow(ms int64, now time.Time) *problem {
	nowMS := now.UnixMilli()
	lo, hi := nowMS-MaxAge.Milliseconds(), nowMS+MaxSkew.Milliseconds()
	switch {
	case ms < lo:
		hint := "send only events from the last 7 days"
		if ms >= lo/1000 && ms <= hi/1000 {
			hint = "the value looks like seconds; multiply by 1000"
		}
		return rejectHint(pathTimestamp, RuleTimestampWindow, "is more than 7 days in the past", hint)
	case ms > hi:
		hint := "use the real event time; the API allows 10 minutes of clock skew"
		if ms/1000 >= lo && ms/1000 <= hi {
			hint = "the value looks like microseconds; divide by 1000"
		}
		return rejectHint(pathTimestamp, RuleTimestampWindow, "is more than 10 minutes in the future", hint)
	}
	return nil
}

// isJSONNumber reports whether s is written as a JSON number: an optional
// minus, digits without a leading zero, an optional fraction and an optional
// exponent.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i = skipDigits(s, i); i < 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i = skipDigits(s, i); i < 0 {
			return false
		}
	}
	return i == len(s)
}

// skipDigits returns the index after the digits that start at i, or -1 when
// there are none.
func skipDigits(s string, i int) int {
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == start {
		return -1
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
