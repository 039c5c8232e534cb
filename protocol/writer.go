package protocol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// redactedText replaces every secret a [Writer] is told about.
const redactedText = "[redacted]"

// Writer writes protocol messages, one per line. It is safe for concurrent use: lines are
// never interleaved. Every message is flushed as soon as it is written, so nothing
// acknowledged (a STATE, a TRACE, a CONNECTION_STATUS) sits in a buffer.
//
// A Writer can be told secrets with [Writer.Redact]; it then replaces them wherever they
// appear in a message, as a last line of defence behind the code that builds the messages.
type Writer struct {
	mu      sync.Mutex
	bw      *bufio.Writer
	enc     *json.Encoder
	buf     bytes.Buffer
	secrets [][]byte
	now     func() time.Time
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer {
	wr := &Writer{bw: bufio.NewWriterSize(w, 64<<10), now: time.Now}
	wr.enc = json.NewEncoder(&wr.buf)
	wr.enc.SetEscapeHTML(false)
	return wr
}

// Redact makes the writer replace secret, and its JSON-escaped form, in every later message.
// Empty secrets are ignored.
func (w *Writer) Redact(secret string) {
	if secret == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.secrets = append(w.secrets, []byte(secret))
	for _, escapeHTML := range []bool{false, true} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		_ = enc.Encode(secret) // a string always encodes
		quoted := bytes.TrimSpace(b.Bytes())
		if escaped := quoted[1 : len(quoted)-1]; string(escaped) != secret {
			w.secrets = append(w.secrets, escaped)
		}
	}
}

// Write writes one message and flushes it.
func (w *Writer) Write(m *Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Reset()
	if err := w.enc.Encode(m); err != nil {
		return fmt.Errorf("encode %s message: %w", m.Type, err)
	}
	line := w.scrub(w.buf.Bytes())
	if _, err := w.bw.Write(line); err != nil {
		return err
	}
	return w.bw.Flush()
}

// scrub replaces the secrets in one encoded line, inside string values only: object keys and
// the JSON's structure are left alone, so the line stays the same message however short or
// odd a secret is. Should a replacement still break the JSON, the message is withheld.
func (w *Writer) scrub(line []byte) []byte {
	found := false
	for _, s := range w.secrets {
		if bytes.Contains(line, s) {
			found = true
			break
		}
	}
	if !found {
		return line
	}
	out := make([]byte, 0, len(line)+32)
	for i := 0; i < len(line); {
		start, end, ok := nextString(line, i)
		if !ok {
			out = append(out, line[i:]...)
			break
		}
		out = append(out, line[i:start]...)
		value := line[start:end]
		if !isObjectKey(line, end) {
			for _, s := range w.secrets {
				value = bytes.ReplaceAll(value, s, []byte(redactedText))
			}
		}
		out = append(out, value...)
		i = end
	}
	if !json.Valid(bytes.TrimSpace(out)) {
		return []byte(`{"type":"LOG","log":{"level":"WARN","message":"a message was withheld because it contained a secret"}}` + "\n")
	}
	return out
}

// nextString finds the next JSON string literal at or after i: line[start:end] is its content,
// between the quotes.
func nextString(line []byte, i int) (start, end int, ok bool) {
	q := bytes.IndexByte(line[i:], '"')
	if q < 0 {
		return 0, 0, false
	}
	start = i + q + 1
	for j := start; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			return start, j, true
		}
	}
	return 0, 0, false
}

// isObjectKey tells whether the string ending at end (its closing quote) is an object key.
func isObjectKey(line []byte, end int) bool {
	rest := bytes.TrimLeft(line[end+1:], " \t")
	return len(rest) > 0 && rest[0] == ':'
}

// Log writes a LOG message.
func (w *Writer) Log(level Level, message string) error {
	return w.Write(&Message{Type: TypeLog, Log: &Log{Level: level, Message: message}})
}

// Logf writes a LOG message formatted with fmt.Sprintf.
func (w *Writer) Logf(level Level, format string, args ...any) error {
	return w.Log(level, fmt.Sprintf(format, args...))
}

// State writes an echoed STATE message.
func (w *Writer) State(s *State) error {
	return w.Write(&Message{Type: TypeState, State: s})
}

// Error writes a TRACE ERROR message. stream may be nil.
func (w *Writer) Error(ft FailureType, message, internal string, stream *StreamDescriptor) error {
	return w.Write(&Message{Type: TypeTrace, Trace: &Trace{
		Type:      TraceError,
		EmittedAt: w.emittedAt(),
		Error: &ErrorTrace{
			Message:          message,
			InternalMessage:  internal,
			FailureType:      ft,
			StreamDescriptor: stream,
		},
	}})
}

// ConnectionStatus writes a CONNECTION_STATUS message.
func (w *Writer) ConnectionStatus(status Status, message string) error {
	return w.Write(&Message{Type: TypeConnectionStatus, ConnectionStatus: &ConnectionStatus{Status: status, Message: message}})
}

// emittedAt returns the current time in milliseconds since the epoch.
func (w *Writer) emittedAt() float64 {
	return float64(w.now().UnixMilli())
}
