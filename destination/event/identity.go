package event

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The normalisers of the user fields, as reference §0.1 quotes the API
// documentation. Each appends the normalised value to dst (a stack buffer
// of the caller, so that the common case costs no allocation) and reports
// whether the value passes the field's rule.

// normaliseEmail trims and lower-cases (Unicode-aware) an e-mail address,
// which must have one @ with text on both sides and no whitespace.
func normaliseEmail(dst []byte, s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return dst, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return appendLowerRunes(dst, s[i:], true)
		}
		if isASCIISpace(c) {
			return dst, false
		}
		dst = append(dst, lowerASCII(c))
	}
	return dst, true
}

// isASCIISpace reports whether c is an ASCII byte unicode.IsSpace accepts.
func isASCIISpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// lowerASCII lower-cases an ASCII byte.
func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// appendLowerRunes appends s lower-cased rune by rune (Unicode-aware); with
// noSpace, any whitespace makes it report false.
func appendLowerRunes(dst []byte, s string, noSpace bool) ([]byte, bool) {
	for _, c := range s {
		if noSpace && unicode.IsSpace(c) {
			return dst, false
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(c))
	}
	return dst, true
}

// normalisePhone removes a leading +, whitespace, parentheses, periods and
// hyphens, then leading zeroes; what is left must be 8 to 15 ASCII digits.
// Any other character (such as "ext. 89") refuses the value rather than
// turning it into another number.
func normalisePhone(dst []byte, s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	start := len(dst)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if c == '0' && len(dst) == start {
				continue // a leading zero
			}
			dst = append(dst, c)
		case c == ' ' || c == '\t' || c == '(' || c == ')' || c == '.' || c == '-':
		default:
			return dst[:start], false
		}
	}
	n := len(dst) - start
	return dst, n >= 8 && n <= 15
}

// normaliseExternalID trims an external id; its case is kept.
func normaliseExternalID(dst []byte, s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	return append(dst, s...), s != ""
}

// normaliseName trims, lower-cases (Unicode-aware) and removes whitespace
// and ASCII punctuation: " O'Neil-Smith " becomes "oneilsmith".
func normaliseName(dst []byte, s string) ([]byte, bool) {
	start := len(dst)
	for len(s) > 0 && s[0] < utf8.RuneSelf { // the ASCII prefix, byte by byte
		if c := s[0]; !isASCIISpace(c) && !isASCIIPunct(c) {
			dst = append(dst, lowerASCII(c))
		}
		s = s[1:]
	}
	for _, c := range s {
		switch {
		case unicode.IsSpace(c):
		case c < utf8.RuneSelf && isASCIIPunct(byte(c)):
		default:
			dst = utf8.AppendRune(dst, unicode.ToLower(c))
		}
	}
	return dst, len(dst) > start
}

// isASCIIPunct reports whether c is ASCII punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
func isASCIIPunct(c byte) bool {
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~')
}

// normaliseCountry trims and upper-cases a country code of two ASCII letters.
func normaliseCountry(dst []byte, s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 2 {
		return dst, false
	}
	for i := 0; i < 2; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z':
		default:
			return dst, false
		}
		dst = append(dst, c)
	}
	return dst, true
}

// maxPlaceLen is the most characters of a city or region.
const maxPlaceLen = 128

// normalisePlace trims and lower-cases (Unicode-aware) a city or region of at
// most 128 characters.
func normalisePlace(dst []byte, s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	n := 0
	for len(s) > 0 && s[0] < utf8.RuneSelf { // the ASCII prefix, byte by byte
		dst = append(dst, lowerASCII(s[0]))
		s = s[1:]
		n++
	}
	for _, c := range s {
		n++
		dst = utf8.AppendRune(dst, unicode.ToLower(c))
	}
	return dst, n > 0 && n <= maxPlaceLen
}

// maxPostalCodeLen is the most characters of a postal code.
const maxPostalCodeLen = 32

// normalisePostalCode trims a postal code of at most 32 ASCII letters,
// digits, spaces and hyphens.
func normalisePostalCode(dst []byte, s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxPostalCodeLen {
		return dst, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isASCIIAlnum(c) && c != ' ' && c != '-' {
			return dst, false
		}
	}
	return append(dst, s...), true
}

// normaliseObref passes the browser reference through byte for byte; it must
// not be empty.
func normaliseObref(s string) (string, bool) { return s, s != "" }

// normaliseIP trims an IPv4 or IPv6 address, which may not have a zone.
func normaliseIP(s string) (string, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	return s, err == nil && a.Zone() == ""
}

// normaliseUserAgent accepts any user agent that is not blank, unchanged.
func normaliseUserAgent(s string) (string, bool) { return s, strings.TrimSpace(s) != "" }

// normaliseAndroidID trims and lower-cases an Android advertising id, a UUID
// in its 8-4-4-4-12 hex form.
func normaliseAndroidID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 36 {
		return "", false
	}
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return "", false
		}
	}
	if upper {
		s = strings.ToLower(s)
	}
	return s, true
}
