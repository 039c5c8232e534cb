package event

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of objects and arrays a record may have, so that
// a hostile record cannot exhaust the stack.
const maxDepth = 64

// parseError describes why a JSON text could not be decoded. It carries the
// byte offset and never the text itself, which may hold personal data.
type parseError struct {
	rule   string
	offset int
	msg    string
}

func (e *parseError) Error() string {
	return e.msg + " at byte " + strconv.Itoa(e.offset)
}

// parser decodes JSON text into the generic tree the schema validator works on:
// map[string]any, []any, string, json.Number, bool and nil. Unescaped strings
// are substrings of the input, so most strings cost no allocation.
type parser struct {
	s        string
	i        int
	depth    int
	lastWins bool // a duplicate key replaces the earlier member instead of failing
}

// parseValue decodes s, which must hold exactly one JSON value.
func parseValue(s string) (any, error) {
	p := parser{s: s}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, p.fail("unexpected data after the JSON value")
	}
	return v, nil
}

func (p *parser) fail(msg string) *parseError {
	return &parseError{rule: RuleJSONSyntax, offset: p.i, msg: msg}
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, p.fail("unexpected end of JSON")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := p.numberText()
		return json.Number(n), err
	default:
		return p.literal()
	}
}

func (p *parser) literal() (any, error) {
	rest := p.s[p.i:]
	switch {
	case len(rest) >= 4 && rest[:4] == "null":
		p.i += 4
		return nil, nil
	case len(rest) >= 4 && rest[:4] == "true":
		p.i += 4
		return true, nil
	case len(rest) >= 5 && rest[:5] == "false":
		p.i += 5
		return false, nil
	}
	return nil, p.fail("invalid character")
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return &parseError{rule: RuleJSONDepth, offset: p.i, msg: "nesting deeper than " + strconv.Itoa(maxDepth) + " levels"}
	}
	return nil
}

func (p *parser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // {
	m := make(map[string]any, 8)
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		p.depth--
		return m, nil
	}
	for {
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.fail("expected a string key")
		}
		at := p.i
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.fail("expected ':'")
		}
		p.i++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup && !p.lastWins {
			return nil, &parseError{rule: RuleJSONDuplicateKey, offset: at, msg: "duplicate object key"}
		}
		m[k] = v
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.fail("unexpected end of JSON")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			p.depth--
			return m, nil
		default:
			return nil, p.fail("expected ',' or '}'")
		}
	}
}

func (p *parser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // [
	a := make([]any, 0, 4)
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		p.depth--
		return a, nil
	}
	for {
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.fail("unexpected end of JSON")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			p.depth--
			return a, nil
		default:
			return nil, p.fail("expected ',' or ']'")
		}
	}
}

// numberText scans a JSON number and returns its text unchanged, so that big
// integers never pass through float64.
func (p *parser) numberText() (string, error) {
	start := p.i
	s := p.s
	i := p.i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		p.i = i
		return "", p.fail("invalid number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			p.i = i
			return "", p.fail("invalid number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			p.i = i
			return "", p.fail("invalid number")
		}
	}
	p.i = i
	return s[start:i], nil
}

// str scans a JSON string starting at its opening quote. Control characters
// inside strings are accepted (the encoder escapes them), which lets the
// common case use two vectorised searches.
func (p *parser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	rest := p.s[start:]
	q := strings.IndexByte(rest, '"')
	if q < 0 {
		p.i = len(p.s)
		return "", p.fail("unterminated string")
	}
	if bs := strings.IndexByte(rest[:q], '\\'); bs >= 0 {
		p.i = start + bs
		return p.escaped(start)
	}
	p.i = start + q + 1
	return rest[:q], nil
}

// escaped finishes a string that holds escape sequences; p.i is at the first
// backslash and start is the first byte of the string's content.
func (p *parser) escaped(start int) (string, error) {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r = p.lowSurrogate(r)
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", p.fail("invalid escape")
		}
	}
	p.i = len(p.s)
	return "", p.fail("unterminated string")
}

// lowSurrogate combines the high surrogate r with a following \u low
// surrogate; a lone surrogate becomes U+FFFD, as in encoding/json.
func (p *parser) lowSurrogate(r rune) rune {
	if p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
		save := p.i
		p.i += 2
		if r2, ok := p.hex4(); ok {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec
			}
		}
		p.i = save
	}
	return utf8.RuneError
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, true
}
