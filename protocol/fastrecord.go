package protocol

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// RECORD lines are nearly all of a sync's input, so they get a decoder of their own that
// makes one validating pass over the line and no reflection. Anything it does not expect
// (another payload, a name of the wrong type, other message types, malformed JSON) makes it
// give up, and the general decoder, which words errors properly, takes the line. It reads
// escaped names and keys, and values nested at any depth, so that every well-formed record
// reaches the destination, which judges its data.

// maxDepth is how deep the fast path follows nesting by recursion, the limit of
// encoding/json. A value nested deeper is passed over without recursion (skipDeep), so that
// a record nested too deep reaches the destination, which rejects that record (its data may
// nest far less), instead of failing the whole input.
const maxDepth = 10000

// fastScanner walks one line.
type fastScanner struct {
	b []byte
	i int
}

// recordAndMessage is allocated in one piece for each record.
type recordAndMessage struct {
	m Message
	r Record
}

// decodeRecordFast decodes a plain RECORD line. ok is false when the line is anything else;
// the caller then uses the general decoder. When owned, the line is the caller's to give
// away: the record's fields point into it instead of being copied.
func decodeRecordFast(line []byte, owned bool) (m *Message, ok bool) {
	s := fastScanner{b: line}
	if !s.consume('{') {
		return nil, false
	}
	var typ []byte
	var rec Record
	haveRecord := false
	for first := true; ; first = false {
		s.space()
		if s.consume('}') {
			break
		}
		if !first && !s.consume(',') {
			return nil, false
		}
		key, ok := s.plainString()
		if !ok || !s.colon() {
			return nil, false
		}
		switch {
		case keyIs(key, "type"):
			if typ, ok = s.plainString(); !ok {
				return nil, false
			}
		case keyIs(key, "record"):
			if !s.record(&rec) {
				return nil, false
			}
			haveRecord = true
		case isMessageField(key):
			return nil, false // another payload: let encoding/json judge its type
		default:
			if !s.skipValue(0) {
				return nil, false
			}
		}
	}
	s.space()
	if s.i != len(s.b) || string(typ) != string(TypeRecord) || !haveRecord || rec.Data == nil {
		return nil, false
	}
	rm := &recordAndMessage{r: rec}
	if !owned {
		rm.r.Data = bytes.Clone(rec.Data)
		rm.r.Meta = cloneOrNil(rec.Meta)
		rm.r.FileReference = cloneOrNil(rec.FileReference)
	}
	rm.m = Message{Type: TypeRecord, Record: &rm.r}
	return &rm.m, true
}

func cloneOrNil(b []byte) []byte {
	if b == nil {
		return nil
	}
	return bytes.Clone(b)
}

// record reads a record object; raw slices point into the line.
func (s *fastScanner) record(rec *Record) bool {
	s.space()
	if !s.consume('{') {
		return false
	}
	for first := true; ; first = false {
		s.space()
		if s.consume('}') {
			return true
		}
		if !first && !s.consume(',') {
			return false
		}
		key, ok := s.plainString()
		if !ok || !s.colon() {
			return false
		}
		s.space()
		start := s.i
		switch {
		case keyIs(key, "stream"):
			name, ok := s.plainString()
			if !ok {
				return false
			}
			rec.Stream = string(name)
		case keyIs(key, "namespace"):
			if s.literal("null") {
				continue // as encoding/json does: null leaves a string as it was
			}
			ns, ok := s.plainString()
			if !ok {
				return false
			}
			rec.Namespace = string(ns)
		case keyIs(key, "emitted_at"):
			// Unused by the destination: any value passes, and only an integral number is kept.
			if !s.skipValue(0) {
				return false
			}
			_ = rec.EmittedAt.UnmarshalJSON(s.b[start:s.i]) // never fails
		case keyIs(key, "data"), keyIs(key, "meta"), keyIs(key, "file_reference"):
			if !s.skipValue(0) {
				return false
			}
			raw := s.b[start:s.i]
			switch {
			case keyIs(key, "data"):
				rec.Data = raw
			case keyIs(key, "meta"):
				rec.Meta = raw
			default:
				rec.FileReference = raw
			}
		default:
			if !s.skipValue(0) {
				return false
			}
		}
	}
}

// keyIs matches a key as encoding/json does: exactly, or else without regard to case.
func keyIs(key []byte, name string) bool {
	return string(key) == name || bytes.EqualFold(key, []byte(name))
}

func (s *fastScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *fastScanner) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *fastScanner) colon() bool { return s.consume(':') }

func (s *fastScanner) literal(word string) bool {
	if bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		s.i += len(word)
		return true
	}
	return false
}

// plainString reads a string and returns its content. A string with escapes or invalid
// UTF-8 (rare in names and keys) is decoded by encoding/json, so that it reads exactly as the
// general decoder reads it; the others are returned as they are in the line.
func (s *fastScanner) plainString() ([]byte, bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	ascii := true
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(s.b[start:j]) {
				return s.decodedString()
			}
			s.i = j + 1
			return s.b[start:j], true
		case c == '\\':
			return s.decodedString()
		case c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// decodedString reads the string at s.i with encoding/json.
func (s *fastScanner) decodedString() ([]byte, bool) {
	start := s.i
	if !s.skipString() {
		return nil, false
	}
	var v string
	if json.Unmarshal(s.b[start:s.i], &v) != nil {
		return nil, false
	}
	return []byte(v), true
}

// messageFields are the payload keys of a Message other than record.
var messageFields = []string{"state", "log", "spec", "connectionStatus", "catalog", "trace", "control", "destination_catalog"}

// isMessageField tells whether a top-level key names another payload of a Message.
func isMessageField(key []byte) bool {
	for _, f := range messageFields {
		if keyIs(key, f) {
			return true
		}
	}
	return false
}

// skipValue passes over one valid JSON value.
func (s *fastScanner) skipValue(depth int) bool {
	if depth > maxDepth {
		return s.skipDeep()
	}
	s.space()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.skipContainer('}', depth, true)
	case c == '[':
		return s.skipContainer(']', depth, false)
	case c == '"':
		return s.skipString()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.skipNumber()
	default:
		return s.literal("true") || s.literal("false") || s.literal("null")
	}
}

// skipContainer passes over an object (keyed) or an array.
func (s *fastScanner) skipContainer(end byte, depth int, keyed bool) bool {
	s.i++
	for first := true; ; first = false {
		s.space()
		if s.consume(end) {
			return true
		}
		if !first && !s.consume(',') {
			return false
		}
		if keyed {
			s.space()
			if !s.skipString() || !s.colon() {
				return false
			}
		}
		if !s.skipValue(depth + 1) {
			return false
		}
	}
}

// skipDeep passes over one valid JSON value without recursion, however deep it nests: one
// bit per open container (set for an object) tells what must close it, so the memory it
// takes is an eighth of a byte per level.
func (s *fastScanner) skipDeep() bool {
	var open []uint64
	depth := 0
	inObject := func() bool { d := depth - 1; return open[d/64]&(1<<(d%64)) != 0 }
	enter := func(object bool) {
		if depth/64 == len(open) {
			open = append(open, 0)
		}
		bit := uint64(1) << (depth % 64)
		if object {
			open[depth/64] |= bit
		} else {
			open[depth/64] &^= bit
		}
		depth++
	}
	for {
		s.space()
		if s.i >= len(s.b) {
			return false
		}
		switch c := s.b[s.i]; {
		case c == '{':
			s.i++
			if !s.consume('}') {
				enter(true)
				if !s.member() {
					return false
				}
				continue // the member's value
			}
		case c == '[':
			s.i++
			if !s.consume(']') {
				enter(false)
				continue // the first element
			}
		case c == '"':
			if !s.skipString() {
				return false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if !s.skipNumber() {
				return false
			}
		default:
			if !s.literal("true") && !s.literal("false") && !s.literal("null") {
				return false
			}
		}
		// A value ended: close what ends here, then expect the next element or member.
		for {
			if depth == 0 {
				return true
			}
			if s.consume(',') {
				if inObject() && !s.member() {
					return false
				}
				break
			}
			closer := byte(']')
			if inObject() {
				closer = '}'
			}
			if !s.consume(closer) {
				return false
			}
			depth--
		}
	}
}

// member passes over an object member's key and colon.
func (s *fastScanner) member() bool {
	s.space()
	return s.skipString() && s.colon()
}

// skipString passes over a string, checking its escapes.
func (s *fastScanner) skipString() bool {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case c == '"':
			s.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(s.b) {
				return false
			}
			switch s.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s.b) || !isHex4(s.b[j+1:j+5]) {
					return false
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// skipNumber passes over a number of JSON's grammar.
func (s *fastScanner) skipNumber() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	s.i = i
	return true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
