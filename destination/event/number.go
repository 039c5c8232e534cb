package event

import (
	"math"
	"strconv"
	"strings"
)

// maxIntegerDigits bounds the integers this package converts exactly; larger
// numbers are refused rather than expanded (1e999999 would be a megabyte).
const maxIntegerDigits = 40

// shiftedInteger returns the canonical decimal digits of the JSON number n
// multiplied by 10^shift, when that product is an integer of at most
// maxIntegerDigits digits. It works on the number's text, never through
// float64, so 1.7738928e12 gives exactly "1773892800000" and 12999.0 gives
// "12999".
func shiftedInteger(n string, shift int) (string, bool) {
	if n == "" {
		return "", false
	}
	neg := strings.HasPrefix(n, "-")
	if neg {
		n = n[1:]
	}
	mant, exp := n, 0
	if i := strings.IndexAny(n, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(n[i+1:], "+"))
		if err != nil {
			e = 1 << 30 // absurd exponent: only an all-zero mantissa survives
			if strings.HasPrefix(n[i+1:], "-") {
				e = -e
			}
		}
		mant, exp = n[:i], e
	}
	if shift == 0 && exp == 0 && isPlainInteger(mant) {
		if neg && mant != "0" {
			return "-" + mant, true
		}
		return mant, true
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return "0", true
	}
	// The decimal point sits after `point` digits of the trimmed digit string.
	zeros := len(intPart) + len(frac) - len(digits)
	point := len(intPart) - zeros + exp + shift
	if point > maxIntegerDigits {
		return "", false
	}
	if point < len(digits) {
		if point < 0 || strings.TrimRight(digits[point:], "0") != "" {
			return "", false
		}
		digits = digits[:point]
		if digits == "" {
			return "0", true
		}
	} else {
		digits += strings.Repeat("0", point-len(digits))
	}
	if neg {
		return "-" + digits, true
	}
	return digits, true
}

// integer converts the JSON number n to an int64 when it is integral and in
// range, returning also its canonical text.
func integer(n string) (int64, string, bool) {
	d, ok := shiftedInteger(n, 0)
	if !ok {
		return 0, "", false
	}
	i, err := strconv.ParseInt(d, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return i, d, true
}

// isPlainInteger reports whether n is written as an integer without fraction
// or exponent, the common case that needs no conversion.
func isPlainInteger(n string) bool {
	if n == "" {
		return false
	}
	if n[0] == '-' {
		n = n[1:]
	}
	if n == "" || (n[0] == '0' && len(n) > 1) {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// beyondInt64 tells whether the JSON number n, which integer refused, is refused for its
// size (its magnitude is 2^63 or more, fraction or not) rather than for a fraction. The
// float64 reading only classifies; it converts nothing.
func beyondInt64(n string) bool {
	f, err := strconv.ParseFloat(n, 64)
	return (err != nil && math.IsInf(f, 0)) || math.Abs(f) >= 1<<63
}
