package event

import "time"

// isoTime holds the fields of an ISO 8601 date and time as written.
type isoTime struct {
	year, month, day, hour, min, sec, milli int
	offset                                  int  // seconds east of UTC
	zoned                                   bool // false when the text has no zone
}

// parseISOTime reads the ISO 8601 forms Airbyte's temporal types produce and
// returns milliseconds since the Unix epoch:
//
//	2026-11-30T12:34:56Z
//	2026-11-30T12:34:56.123456789+01:00   any number of fractional digits
//	2026-11-30 12:34:56,5+0100            a space for T, a comma for the point
//	2026-11-30t12:34:56.1-05              either letter case, offset hours only
//	2026-11-30T12:34:56.123456            no zone: read in loc
//
// Digits below the millisecond are truncated. A date without a time, a year
// with a sign or a " BC" suffix, and anything else are refused with a hint.
// It neither allocates nor uses regular expressions on success.
func parseISOTime(s string, loc *time.Location) (int64, *problem) {
	t, p := scanISOTime(s)
	if p != nil {
		return 0, p
	}
	if !t.inRange() {
		return 0, rejectHint(pathTimestamp, RuleTimestampFormat, "has a month, day, hour, minute, second or offset out of range", hintTimestampForms)
	}
	wall := time.Date(t.year, time.Month(t.month), t.day, t.hour, t.min, t.sec, 0, time.UTC).Unix()
	var unix int64
	switch {
	case t.zoned:
		unix = wall - int64(t.offset)
	case loc == nil || loc == time.UTC:
		unix = wall
	default:
		unix = wallToUnix(wall, loc)
	}
	return unix*1000 + int64(t.milli), nil
}

// scanISOTime splits s into its fields, checking only its shape.
func scanISOTime(s string) (isoTime, *problem) {
	var t isoTime
	bad := func() (isoTime, *problem) {
		return isoTime{}, rejectHint(pathTimestamp, RuleTimestampFormat, "must be integer milliseconds or an ISO 8601 date and time", hintTimestampForms)
	}
	switch {
	case hasSuffixFold(s, " BC") || (len(s) > 1 && s[0] == '-' && isDigit(s[1])):
		return isoTime{}, rejectHint(pathTimestamp, RuleTimestampFormat, "is a date before the year 1 (BC or a negative year)", hintBC)
	case len(s) < 10 || s[4] != '-' || s[7] != '-':
		return bad()
	}
	var ok [3]bool
	t.year, ok[0] = digits(s, 0, 4)
	t.month, ok[1] = digits(s, 5, 2)
	t.day, ok[2] = digits(s, 8, 2)
	if !ok[0] || !ok[1] || !ok[2] {
		return bad()
	}
	if len(s) == 10 {
		return isoTime{}, rejectHint(pathTimestamp, RuleTimestampFormat, "is a date without a time of day", hintDateOnly)
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' || len(s) < 19 || s[13] != ':' || s[16] != ':' {
		return bad()
	}
	t.hour, ok[0] = digits(s, 11, 2)
	t.min, ok[1] = digits(s, 14, 2)
	t.sec, ok[2] = digits(s, 17, 2)
	if !ok[0] || !ok[1] || !ok[2] {
		return bad()
	}
	i := 19
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		end := skipDigits(s, i)
		if end < 0 {
			return bad()
		}
		t.milli = fractionMillis(s[i:end])
		i = end
	}
	if !t.scanZone(s[i:]) {
		return bad()
	}
	return t, nil
}

// scanZone reads what follows the time: nothing, Z, ±hh, ±hhmm or ±hh:mm.
func (t *isoTime) scanZone(z string) bool {
	switch {
	case z == "":
		return true
	case z == "Z" || z == "z":
		t.zoned = true
		return true
	case z[0] != '+' && z[0] != '-':
		return false
	}
	h, ok := digits(z, 1, 2)
	if !ok {
		return false
	}
	m := 0
	switch rest := z[3:]; {
	case rest == "":
	case len(rest) == 2:
		m, ok = digits(rest, 0, 2)
	case len(rest) == 3 && rest[0] == ':':
		m, ok = digits(rest, 1, 2)
	default:
		ok = false
	}
	if !ok || h > 23 || m > 59 {
		return false
	}
	t.offset, t.zoned = h*3600+m*60, true
	if z[0] == '-' {
		t.offset = -t.offset
	}
	return true
}

// inRange checks the calendar and clock fields (no leap second, no 24:00).
func (t *isoTime) inRange() bool {
	if t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.min > 59 || t.sec > 59 {
		return false
	}
	return t.day <= daysIn(t.month, t.year)
}

// daysIn returns the number of days of a month of the proleptic Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// digits reads n decimal digits of s starting at i.
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// fractionMillis returns the milliseconds of a fraction of a second written
// as digits, truncating what lies below them.
func fractionMillis(frac string) int {
	ms := 0
	for i := 0; i < 3; i++ {
		ms *= 10
		if i < len(frac) {
			ms += int(frac[i] - '0')
		}
	}
	return ms
}

// hasSuffixFold reports whether s ends with the upper-case ASCII suffix in
// any letter case.
func hasSuffixFold(s, suffix string) bool {
	if len(s) < len(suffix) {
		return false
	}
	tail := s[len(s)-len(suffix):]
	for i := 0; i < len(suffix); i++ {
		c := tail[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != suffix[i] {
			return false
		}
	}
	return true
}

// wallToUnix reads a wall-clock time, given as seconds since the epoch as if
// it were UTC, in loc. A time that a daylight-saving change repeats is read
// as the earlier of its two instants; a time that a change skips is read with
// the offset in effect before the change, so it lands as far after the
// change as it lies after the skipped hour's start (as java.time does).
// time.Date leaves both cases unspecified.
func wallToUnix(wall int64, loc *time.Location) int64 {
	const day = 24 * 60 * 60
	before, after := offsetAt(wall-day, loc), offsetAt(wall+day, loc)
	first, second := wall-before, wall-after
	firstFits, secondFits := offsetAt(first, loc) == before, offsetAt(second, loc) == after
	switch {
	case firstFits && secondFits:
		return min(first, second)
	case secondFits:
		return second
	default: // first fits, or neither does (a skipped time)
		return first
	}
}

// offsetAt returns loc's offset from UTC, in seconds, at an instant.
func offsetAt(unix int64, loc *time.Location) int64 {
	_, off := time.Unix(unix, 0).In(loc).Zone()
	return int64(off)
}
