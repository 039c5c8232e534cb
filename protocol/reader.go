package protocol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DefaultMaxLineBytes is the default longest line a [Reader] accepts: 64 MiB. The platform
// sends records of 20 MB and more.
const DefaultMaxLineBytes = 64 << 20

// LineError reports a line of input that is not a valid protocol message. It names the line
// but never quotes it: the line may hold personal data.
type LineError struct {
	Line int64 // 1-based line number
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("input line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ErrLineTooLong is wrapped in a [LineError] for a line longer than the reader's maximum.
var ErrLineTooLong = errors.New("line longer than the maximum allowed")

// Reader reads protocol messages, one JSON object per line. It accepts lines of any length
// up to its maximum, tolerates CRLF line ends and blank lines, and skips messages of types it
// does not know. A Reader is not safe for concurrent use.
//
// A line longer than pieceBytes is read in pieces and joined once into a buffer of its own,
// which the record it holds keeps: its memory is about twice the line while it is read, and
// the line once read.
type Reader struct {
	br     *bufio.Reader
	max    int
	line   int64
	buf    []byte   // the part of a line that spans reads, up to pieceBytes
	pieces [][]byte // the earlier parts of a line longer than pieceBytes
	pieced int      // bytes in pieces
}

// pieceBytes is the most a Reader keeps in its reused line buffer; longer lines are read in
// pieces of about this size.
const pieceBytes = 1 << 20

// NewReader returns a Reader of r that refuses lines longer than maxLineBytes
// (DefaultMaxLineBytes when maxLineBytes <= 0).
func NewReader(r io.Reader, maxLineBytes int) *Reader {
	if maxLineBytes <= 0 {
		maxLineBytes = DefaultMaxLineBytes
	}
	return &Reader{br: bufio.NewReaderSize(r, 256<<10), max: maxLineBytes}
}

// Buffered returns how many bytes of input are read ahead and waiting. When it is zero, the
// next call to Next may block on the underlying reader.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// Line returns the number of the last line read.
func (r *Reader) Line() int64 { return r.line }

// Next returns the next message of a known type. It returns io.EOF at the end of the input
// and a *LineError for a malformed line; reading may go on after a *LineError.
func (r *Reader) Next() (*Message, error) {
	for {
		line, owned, err := r.readLine()
		if err != nil {
			return nil, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		m, err := decodeMessage(line, owned)
		if err != nil {
			return nil, &LineError{Line: r.line, Err: err}
		}
		if m != nil {
			return m, nil
		}
	}
}

// readLine returns the next line without its end. The slice is valid until the next call,
// unless owned: then it is a buffer of its own, which the caller may keep.
func (r *Reader) readLine() (line []byte, owned bool, err error) {
	r.buf = r.buf[:0]
	r.dropPieces()
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if !tooLong {
			if r.exceeds(r.pieced+len(r.buf)+len(chunk), chunk, err) {
				tooLong = true
				r.buf = r.buf[:0]
				r.dropPieces()
			} else if err == nil && len(r.buf) == 0 && r.pieced == 0 {
				r.line++
				return chunk, false, nil // the common case: no copy
			} else {
				r.appendPart(chunk)
			}
		}
		switch {
		case err == nil:
			r.line++
			if tooLong {
				return nil, false, &LineError{Line: r.line, Err: ErrLineTooLong}
			}
			line, owned := r.joined()
			return line, owned, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if tooLong {
				r.line++
				return nil, false, &LineError{Line: r.line, Err: ErrLineTooLong}
			}
			if len(r.buf) == 0 && r.pieced == 0 {
				return nil, false, io.EOF
			}
			r.line++
			line, owned := r.joined()
			return line, owned, nil
		default:
			return nil, false, err
		}
	}
}

// appendPart adds a part of a line to the line buffer; a full buffer becomes a piece and a
// new buffer starts.
func (r *Reader) appendPart(part []byte) {
	if len(r.buf)+len(part) > pieceBytes && len(r.buf) > 0 {
		r.pieces = append(r.pieces, r.buf)
		r.pieced += len(r.buf)
		r.buf = make([]byte, 0, pieceBytes)
	}
	r.buf = append(r.buf, part...)
}

// joined returns the line read into the buffer and pieces: the buffer itself for a line of
// one piece, or a new buffer of the whole line (owned).
func (r *Reader) joined() ([]byte, bool) {
	if r.pieced == 0 {
		return r.buf, false
	}
	line := make([]byte, 0, r.pieced+len(r.buf))
	for _, p := range r.pieces {
		line = append(line, p...)
	}
	line = append(line, r.buf...)
	r.dropPieces()
	return line, true
}

// dropPieces lets the pieces of a long line go.
func (r *Reader) dropPieces() {
	clear(r.pieces)
	r.pieces, r.pieced = r.pieces[:0], 0
}

// exceeds tells whether a line of n bytes so far, the last read being chunk with error err,
// is longer than the maximum. The line end ("\n" or "\r\n") does not count.
func (r *Reader) exceeds(n int, chunk []byte, err error) bool {
	if err != nil && !errors.Is(err, io.EOF) {
		return n > r.max+1 // the line goes on, and a "\r" may end it
	}
	if err == nil {
		n--
		chunk = chunk[:len(chunk)-1]
	}
	if bytes.HasSuffix(chunk, []byte("\r")) {
		n--
	}
	return n > r.max
}

// decodeMessage decodes one line. It returns nil, nil for a message of an unknown type. When
// owned, a record may keep the line's memory (see decodeRecordFast).
func decodeMessage(line []byte, owned bool) (*Message, error) {
	if m, ok := decodeRecordFast(line, owned); ok {
		return m, nil
	}
	var m Message
	if err := json.Unmarshal(line, &m); err != nil {
		typ, known := messageType(line)
		if known && typ != TypeRecord && typ != TypeState && typ != "" {
			return nil, nil // a TRACE, LOG or other message the destination does not use: skip it
		}
		if nestsDeeperThan(line, maxDepth) {
			return nil, fmt.Errorf("%s nested more than %d levels deep, deeper than the connector reads", describeType(typ), maxDepth)
		}
		return nil, DescribeJSONError(err)
	}
	switch m.Type {
	case TypeRecord:
		if m.Record == nil || len(m.Record.Data) == 0 {
			return nil, errors.New("RECORD message without record.data")
		}
	case TypeState:
		if m.State == nil {
			return nil, errors.New("STATE message without state")
		}
	case TypeLog, TypeSpec, TypeConnectionStatus, TypeCatalog, TypeTrace, TypeControl, TypeDestinationCatalog:
	case "":
		return nil, errors.New("message without type")
	default:
		return nil, nil
	}
	return &m, nil
}

// messageType reads the top-level "type" of a line without decoding the rest, at any depth.
// known is false when the line is not a JSON object whose type can be read that way (or has
// none).
func messageType(line []byte) (typ Type, known bool) {
	s := fastScanner{b: line}
	if !s.consume('{') {
		return "", false
	}
	for first := true; ; first = false {
		s.space()
		if s.consume('}') {
			return typ, known
		}
		if !first && !s.consume(',') {
			return "", false
		}
		key, ok := s.plainString()
		if !ok || !s.colon() {
			return "", false
		}
		if string(key) == "type" {
			v, ok := s.plainString()
			if !ok {
				return "", false
			}
			typ, known = Type(v), true
			continue
		}
		if !s.skipValue(0) {
			return "", false
		}
	}
}

// nestsDeeperThan tells whether line opens more than limit objects and arrays at once,
// counting brackets outside strings. It does not check that the JSON is valid.
func nestsDeeperThan(line []byte, limit int) bool {
	depth := 0
	inString := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

// describeType names a message by its type in an error: "a STATE message".
func describeType(t Type) string {
	if t == "" {
		return "a message"
	}
	return "a " + string(t) + " message"
}

// DescribeJSONError turns an encoding/json decoding error into words that quote nothing
// from the input, which may hold personal data or secrets.
func DescribeJSONError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 5" would quote the input
		return fmt.Errorf("field %q: a JSON %s where the protocol wants %s", typ.Field, kind, typ.Type)
	default:
		// Errors from UnmarshalJSON methods (State) carry no input values.
		return err
	}
}
