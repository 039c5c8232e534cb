package event

import (
	"encoding/json"
	"slices"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// plain marks the bytes a JSON string holds as they are: printable ASCII
// other than '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD
// (written as UTF-8, not escaped), as in encoding/json, so the output is
// always valid JSON and re-encodes to the same bytes.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, string(utf8.RuneError)...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendValue appends a generic tree value. Object keys are sorted, so equal
// trees always encode to equal bytes. Nulls have been stripped beforehand.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		if v {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case string:
		return appendString(b, v)
	case json.Number:
		return append(b, v...)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	case map[string]any:
		return appendObject(b, v, nil)
	}
	panic("event: unexpected value in tree") // the parser creates no other types
}

// appendObject appends m with the keys in order first, in that order, and then
// the remaining keys sorted.
func appendObject(b []byte, m map[string]any, order []string) []byte {
	b = append(b, '{')
	n := 0
	for _, k := range order {
		if v, ok := m[k]; ok {
			b = appendMember(b, n, k, v)
			n++
		}
	}
	if n == len(m) {
		return append(b, '}')
	}
	rest := make([]string, 0, len(m)-n)
	for k := range m {
		if !slices.Contains(order, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		b = appendMember(b, n, k, m[k])
		n++
	}
	return append(b, '}')
}

func appendMember(b []byte, n int, k string, v any) []byte {
	if n > 0 {
		b = append(b, ',')
	}
	b = appendString(b, k)
	b = append(b, ':')
	return appendValue(b, v)
}

// stripNulls removes null members and elements from v, recursively, in place.
func stripNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			switch e.(type) {
			case nil:
				delete(v, k)
			case map[string]any, []any:
				v[k] = stripNulls(e)
			}
		}
	case []any:
		out := v[:0]
		for _, e := range v {
			if e != nil {
				out = append(out, stripNulls(e))
			}
		}
		clear(v[len(out):])
		return out
	}
	return v
}

// validUTF8 returns s with each invalid byte replaced by U+FFFD, as
// appendString writes it, so that Event.ID equals the id sent.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, string(utf8.RuneError)...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}
