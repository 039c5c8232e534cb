package connectortest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Line is one stdout line of a run and when the test read it.
type Line struct {
	Text string
	At   time.Time
}

// Message is one stdout line decoded as a protocol message. Only the parts tests read are
// typed; Raw holds every top-level field, nil when the line is not a JSON object.
type Message struct {
	Line    Line
	Raw     map[string]json.RawMessage
	Type    string
	Spec    json.RawMessage
	State   json.RawMessage
	Trace   *Trace
	Log     *Log
	Status  *ConnectionStatus
	Catalog *DestinationCatalog
}

// Trace is a TRACE message's payload.
type Trace struct {
	Type      string   `json:"type"`
	EmittedAt *float64 `json:"emitted_at"`
	Error     *struct {
		Message          string `json:"message"`
		InternalMessage  string `json:"internal_message"`
		FailureType      string `json:"failure_type"`
		StreamDescriptor *struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"stream_descriptor"`
	} `json:"error"`
}

// Log is a LOG message's payload.
type Log struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// ConnectionStatus is a CONNECTION_STATUS message's payload.
type ConnectionStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// DestinationCatalog is a DESTINATION_CATALOG message's payload.
type DestinationCatalog struct {
	Operations []struct {
		ObjectName   string          `json:"object_name"`
		SyncMode     string          `json:"sync_mode"`
		JSONSchema   json.RawMessage `json:"json_schema"`
		MatchingKeys [][]string      `json:"matching_keys"`
	} `json:"operations"`
}

// PayloadKeys maps each message type to its payload key (protocol reference §1).
var PayloadKeys = map[string]string{
	"RECORD": "record", "STATE": "state", "LOG": "log", "SPEC": "spec",
	"CONNECTION_STATUS": "connectionStatus", "CATALOG": "catalog", "TRACE": "trace",
	"CONTROL": "control", "DESTINATION_CATALOG": "destination_catalog",
}

// ParseMessage decodes a line as far as it can; a line that is not a protocol message has a
// nil Raw or an empty Type.
func ParseMessage(l Line) Message {
	m := Message{Line: l}
	if json.Unmarshal([]byte(l.Text), &m.Raw) != nil {
		return m
	}
	_ = json.Unmarshal(m.Raw["type"], &m.Type)
	payload := m.Raw[PayloadKeys[m.Type]]
	switch m.Type {
	case "SPEC":
		m.Spec = payload
	case "STATE":
		m.State = payload
	case "TRACE":
		m.Trace = Decode[Trace](payload)
	case "LOG":
		m.Log = Decode[Log](payload)
	case "CONNECTION_STATUS":
		m.Status = Decode[ConnectionStatus](payload)
	case "DESTINATION_CATALOG":
		m.Catalog = Decode[DestinationCatalog](payload)
	}
	return m
}

// Decode decodes raw into a new T, or returns nil when raw is absent or not a T.
func Decode[T any](raw json.RawMessage) *T {
	var v T
	if raw == nil || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return &v
}

// Transcript is what a run printed on stdout, line by line and decoded.
type Transcript struct {
	Lines    []Line
	Messages []Message
	Stdout   string // every line, each ended by a newline
}

// NewTranscript decodes lines.
func NewTranscript(lines []Line) Transcript {
	tr := Transcript{Lines: lines}
	var all strings.Builder
	for _, l := range lines {
		all.WriteString(l.Text + "\n")
		tr.Messages = append(tr.Messages, ParseMessage(l))
	}
	tr.Stdout = all.String()
	return tr
}

// ParseStdout splits stdout into lines and decodes them; their times are all at.
func ParseStdout(stdout string, at time.Time) Transcript {
	var lines []Line
	for text := range strings.Lines(stdout) {
		lines = append(lines, Line{Text: strings.TrimSuffix(text, "\n"), At: at})
	}
	return NewTranscript(lines)
}

// OfType returns the messages of one type.
func (tr Transcript) OfType(typ string) []Message {
	var out []Message
	for _, m := range tr.Messages {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	return out
}

// ErrorTraces returns the TRACE ERROR messages.
func (tr Transcript) ErrorTraces() []Message {
	var out []Message
	for _, m := range tr.OfType("TRACE") {
		if m.Trace != nil && m.Trace.Type == "ERROR" {
			out = append(out, m)
		}
	}
	return out
}

// Failure returns the one TRACE ERROR's failure type and its message and internal message
// joined by " | ", failing the test when there is not exactly one.
func (tr Transcript) Failure(t testing.TB) (failureType, msg string) {
	t.Helper()
	traces := tr.ErrorTraces()
	require.Len(t, traces, 1, "exactly one TRACE ERROR; stdout:\n%s", tr.Stdout)
	e := traces[0].Trace.Error
	return e.FailureType, e.Message + " | " + e.InternalMessage
}

// Logs returns the messages of the LOG lines at level.
func (tr Transcript) Logs(level string) []string {
	var out []string
	for _, m := range tr.OfType("LOG") {
		if m.Log != nil && m.Log.Level == level {
			out = append(out, m.Log.Message)
		}
	}
	return out
}
