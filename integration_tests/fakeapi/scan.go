package fakeapi

import (
	"encoding/json"
	"errors"
	"strconv"
)

// scan.go is a small, allocation-free JSON scanner. The events handler walks
// the request body with it once, checking syntax, types and keys as it goes,
// so that it can name the exact failing field (events[17].data.amount),
// match keys case-sensitively (encoding/json does not), and keep each event's
// raw bytes without a second decode.

// maxDepth bounds nesting inside values the validator skips (unknown user keys).
const maxDepth = 64

// kind is the JSON type of a value, used in "expected X, got Y" messages.
type kind byte

const (
	kindInvalid kind = iota
	kindString
	kindNumber
	kindObject
	kindArray
	kindBool
	kindNull
)

// String returns the kind as OpenAI's error messages phrase it.
func (k kind) String() string {
	switch k {
	case kindString:
		return "a string"
	case kindNumber:
		return "a number"
	case kindObject:
		return "an object"
	case kindArray:
		return "an array"
	case kindBool:
		return "a boolean"
	case kindNull:
		return "null"
	}
	return "an invalid value"
}

// errSyntax reports malformed JSON; the handler turns it into the parse-error envelope.
var errSyntax = errors.New("invalid JSON")

// scanner reads one JSON document from b.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next returns the kind of the value at the cursor, after skipping white space.
func (s *scanner) next() kind {
	s.ws()
	if s.i >= len(s.b) {
		return kindInvalid
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return kindString
	case c == '{':
		return kindObject
	case c == '[':
		return kindArray
	case c == 't' || c == 'f':
		if s.has("true") || s.has("false") {
			return kindBool
		}
	case c == 'n':
		if s.has("null") {
			return kindNull // so callers may skip it with s.i += len("null")
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return kindNumber
	}
	return kindInvalid
}

// end reports whether only white space is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// str reads a string at the cursor (the caller has checked next() == kindString)
// and returns its decoded bytes. Strings without escapes are returned as a
// sub-slice of the input and cost nothing.
func (s *scanner) str() ([]byte, error) {
	start := s.i + 1
	escaped := false
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		if !strSpecial[c] {
			continue
		}
		switch {
		case c == '"':
			s.i = j + 1
			if !escaped {
				return s.b[start:j], nil
			}
			var v string
			if err := json.Unmarshal(s.b[start-1:j+1], &v); err != nil {
				return nil, errSyntax
			}
			return []byte(v), nil
		case c == '\\':
			escaped = true
			j++ // skip the escaped byte; \uXXXX is checked by json.Unmarshal
		default: // control character
			return nil, errSyntax
		}
	}
	return nil, errSyntax
}

// strSpecial marks the bytes that end or interrupt a plain run of string content.
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// num reads a number at the cursor and reports whether it is written as an
// integer (no fraction, no exponent).
func (s *scanner) num() (raw []byte, isInt bool, err error) {
	b, i := s.b, s.i
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return nil, false, errSyntax
	}
	isInt = true
	if i < len(b) && b[i] == '.' {
		isInt = false
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return nil, false, errSyntax
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		isInt = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return nil, false, errSyntax
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	s.i = i
	return b[start:i], isInt, nil
}

// int64 reads an integer. ok is false when the number has a fraction or
// exponent or does not fit in an int64; err is set only for bad syntax.
func (s *scanner) int64() (v int64, ok bool, err error) {
	raw, isInt, err := s.num()
	if err != nil || !isInt {
		return 0, false, err
	}
	v, perr := strconv.ParseInt(string(raw), 10, 64)
	return v, perr == nil, nil
}

// bool reads true or false.
func (s *scanner) bool() (bool, error) {
	if s.lit("true") {
		return true, nil
	}
	if s.lit("false") {
		return false, nil
	}
	return false, errSyntax
}

// has reports whether word is at the cursor, without consuming it.
func (s *scanner) has(word string) bool {
	return len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word
}

func (s *scanner) lit(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// object walks the object at the cursor, calling member for each key with the
// cursor on the value; member must consume the value. Keys are compared as
// decoded bytes, case-sensitively.
func (s *scanner) object(member func(key []byte) error) error {
	if s.open('}') {
		return nil
	}
	for {
		if s.next() != kindString {
			return errSyntax
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return errSyntax
		}
		s.i++
		if err := member(key); err != nil {
			return err
		}
		if more, err := s.more('}'); !more {
			return err
		}
	}
}

// array walks the array at the cursor, calling elem with each index and the
// cursor on the element; elem must consume the element.
func (s *scanner) array(elem func(i int) error) error {
	if s.open(']') {
		return nil
	}
	for n := 0; ; n++ {
		if err := elem(n); err != nil {
			return err
		}
		if more, err := s.more(']'); !more {
			return err
		}
	}
}

// open consumes the '{' or '[' at the cursor and reports whether the closing
// byte follows at once (consuming it too).
func (s *scanner) open(closing byte) (empty bool) {
	s.i++
	if s.next(); s.i < len(s.b) && s.b[s.i] == closing {
		s.i++
		return true
	}
	return false
}

// more consumes what follows a member or element: a ',' (more is true), the
// closing byte (more is false), or anything else (errSyntax).
func (s *scanner) more(closing byte) (more bool, err error) {
	s.ws()
	if s.i >= len(s.b) {
		return false, errSyntax
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return true, nil
	case closing:
		s.i++
		return false, nil
	}
	return false, errSyntax
}

// skip consumes any value at the cursor, checking its syntax.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errSyntax
	}
	switch s.next() {
	case kindString:
		_, err := s.str()
		return err
	case kindNumber:
		_, _, err := s.num()
		return err
	case kindBool:
		_, err := s.bool()
		return err
	case kindNull:
		if !s.lit("null") {
			return errSyntax
		}
		return nil
	case kindObject:
		return s.object(func([]byte) error { return s.skip(depth + 1) })
	case kindArray:
		return s.array(func(int) error { return s.skip(depth + 1) })
	}
	return errSyntax
}
