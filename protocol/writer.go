package protocol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/redact"
)

// redactedText replaces every secret a [Writer] is told about.
const redactedText = redact.Placeholder

// Writer writes protocol messages, one per line. It is safe for concurrent use: lines are
// never interleaved. Every message is flushed as soon as it is written, so nothing
// acknowledged (a STATE, a TRACE, a CONNECTION_STATUS) sits in a buffer.
//
// A Writer can be told secrets with [Writer.Redact]; it then removes every run of
// [MinSecretRun] or more of their characters from the free text of each later message, as a
// last line of defence behind the code that builds the messages. Free text is a LOG's message
// and stack trace, a TRACE error's message, internal message and stack trace, and a
// CONNECTION_STATUS's message. Nothing else is touched: an echoed STATE stays byte for byte
// what the platform sent, and enums (type, level, failure_type, status) and stream names stay
// what they are, so a redaction never changes what a line means.
type Writer struct {
	mu      sync.Mutex
	bw      *bufio.Writer
	enc     *json.Encoder
	buf     bytes.Buffer
	secrets []*redact.Runs
	now     func() time.Time
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer {
	wr := &Writer{bw: bufio.NewWriterSize(w, 64<<10), now: time.Now}
	wr.enc = json.NewEncoder(&wr.buf)
	wr.enc.SetEscapeHTML(false)
	return wr
}

// Redact makes the writer remove secret, and every run of [MinSecretRun] or more of its
// characters, from the free text of every later message. Empty secrets are ignored.
func (w *Writer) Redact(secret string) {
	if secret == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.secrets = append(w.secrets, redact.NewRuns(secret))
}

// Write writes one message and flushes it. The message is not modified: redaction works on
// a copy.
func (w *Writer) Write(m *Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Reset()
	if err := w.enc.Encode(w.redacted(m)); err != nil {
		return fmt.Errorf("encode %s message: %w", m.Type, err)
	}
	if _, err := w.bw.Write(w.buf.Bytes()); err != nil {
		return err
	}
	return w.bw.Flush()
}

// redacted returns m, or a copy of it with the secrets removed from its free text. Called
// with mu held.
func (w *Writer) redacted(m *Message) *Message {
	if len(w.secrets) == 0 || (m.Log == nil && m.Trace == nil && m.ConnectionStatus == nil) {
		return m // no free text (a STATE is never touched)
	}
	out := *m
	if m.Log != nil {
		l := *m.Log
		l.Message, l.StackTrace = w.clean(l.Message), w.clean(l.StackTrace)
		out.Log = &l
	}
	if m.Trace != nil && m.Trace.Error != nil {
		tr, e := *m.Trace, *m.Trace.Error
		e.Message, e.InternalMessage, e.StackTrace = w.clean(e.Message), w.clean(e.InternalMessage), w.clean(e.StackTrace)
		tr.Error = &e
		out.Trace = &tr
	}
	if m.ConnectionStatus != nil {
		cs := *m.ConnectionStatus
		cs.Message = w.clean(cs.Message)
		out.ConnectionStatus = &cs
	}
	return &out
}

// clean removes every secret from one free text. Called with mu held.
func (w *Writer) clean(text string) string {
	for _, s := range w.secrets {
		text = s.Redact(text)
	}
	return text
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
