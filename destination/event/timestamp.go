package event

import (
	"strconv"
	"time"
)

// The API accepts events at most this old or this far ahead of its clock.
const (
	maxAge  = 7 * 24 * time.Hour
	maxSkew = 10 * time.Minute
)

// normaliseTimestamp turns a timestamp_ms value into integer milliseconds
// since the Unix epoch and checks it against the window around now. It
// accepts an integral JSON number in any notation (1773892800000,
// 1773892800000.0, 1.7738928e12), a string of digits, or an RFC 3339
// timestamp with a zone (2026-03-19T04:00:00Z) that has no part below the
// millisecond. Everything else is refused, never rounded.
func normaliseTimestamp(v val, now time.Time) (string, *problem) {
	const path = "timestamp_ms"
	hint := "milliseconds since the Unix epoch such as 1773892800000, or an RFC 3339 time such as 2026-03-19T04:00:00Z"
	var ms int64
	var digits string
	switch v.k {
	case number:
		i, d, ok := integer(v.s)
		if !ok {
			return "", rejectHint(path, RuleTimestampFormat, "must be a whole number of milliseconds", hint)
		}
		ms, digits = i, d
	case text:
		if isPlainInteger(v.s) {
			i, d, ok := integer(v.s)
			if !ok {
				return "", rejectHint(path, RuleTimestampFormat, "is out of range", hint)
			}
			ms, digits = i, d
			break
		}
		t, err := time.Parse(time.RFC3339Nano, v.s)
		if err != nil {
			return "", rejectHint(path, RuleTimestampFormat, "must be integer milliseconds or an RFC 3339 timestamp with a time zone", hint)
		}
		if t.Nanosecond()%int(time.Millisecond) != 0 {
			return "", rejectHint(path, RuleTimestampFormat, "has a fraction of a millisecond", hint)
		}
		ms = t.UnixMilli()
		digits = strconv.FormatInt(ms, 10)
	default:
		return "", rejectHint(path, RuleTimestampFormat, "must be integer milliseconds or an RFC 3339 timestamp", hint)
	}
	if p := checkWindow(ms, now); p != nil {
		return "", p
	}
	return digits, nil
}

// checkWindow refuses a time more than maxAge before now or more than maxSkew
// after it, with a hint when the value looks like seconds or microseconds.
func checkWindow(ms int64, now time.Time) *problem {
	const path = "timestamp_ms"
	nowMS := now.UnixMilli()
	lo, hi := nowMS-maxAge.Milliseconds(), nowMS+maxSkew.Milliseconds()
	switch {
	case ms < lo:
		hint := "send only events from the last 7 days"
		if ms >= lo/1000 && ms <= hi/1000 {
			hint = "the value looks like seconds; multiply by 1000"
		}
		return rejectHint(path, RuleTimestampWindow, "is more than 7 days in the past", hint)
	case ms > hi:
		hint := "use the real event time; the API allows 10 minutes of clock skew"
		if ms/1000 >= lo && ms/1000 <= hi {
			hint = "the value looks like microseconds; divide by 1000"
		}
		return rejectHint(path, RuleTimestampWindow, "is more than 10 minutes in the future", hint)
	}
	return nil
}
