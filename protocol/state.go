package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// StateType is the scope of a [State]: one stream, all streams, or the deprecated legacy blob.
type StateType string

// The state types. A state without a type is LEGACY.
const (
	StateStream StateType = "STREAM"
	StateGlobal StateType = "GLOBAL"
	StateLegacy StateType = "LEGACY"
)

// State is an AirbyteStateMessage kept as the raw JSON object it arrived as, so that every
// field, including the platform's integer id and unknown keys, is echoed untouched. Type and
// Stream are read from it for routing; they are not used when the state is written back.
type State struct {
	Type   StateType
	Stream StreamDescriptor // the state's stream, for STREAM states
	raw    json.RawMessage
}

// stateHeader is the part of a state the destination reads.
type stateHeader struct {
	Type   StateType `json:"type"`
	Stream *struct {
		StreamDescriptor *StreamDescriptor `json:"stream_descriptor"`
	} `json:"stream"`
}

// UnmarshalJSON keeps a copy of the raw object and reads its type and stream.
func (s *State) UnmarshalJSON(b []byte) error {
	var h stateHeader
	if err := json.Unmarshal(b, &h); err != nil {
		return err
	}
	switch h.Type {
	case "":
		h.Type = StateLegacy
	case StateStream:
		if h.Stream == nil || h.Stream.StreamDescriptor == nil {
			return errors.New("STREAM state without stream.stream_descriptor")
		}
		s.Stream = *h.Stream.StreamDescriptor
	case StateGlobal, StateLegacy:
	default:
		return errors.New("unknown state type (expected STREAM, GLOBAL or LEGACY)")
	}
	s.Type = h.Type
	s.raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON returns the state exactly as it was read (or as [State.WithStats] made it).
func (s State) MarshalJSON() ([]byte, error) {
	if s.raw == nil {
		return nil, errors.New("state has no content")
	}
	return s.raw, nil
}

// Raw returns the state's JSON object. The caller must not modify it.
func (s *State) Raw() json.RawMessage { return s.raw }

// Stats are the destinationStats of an echoed state: records accepted and rejected since the
// previous state of the same scope.
type Stats struct {
	RecordCount         int64
	RejectedRecordCount int64
}

// MarshalJSON writes the counts as numbers with a decimal point ("2.0"), as the platform's
// doubles are written, and leaves rejectedRecordCount out when it is zero, as the platform's
// own destinations do.
func (st Stats) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, `{"recordCount":`...)
	b = strconv.AppendInt(b, st.RecordCount, 10)
	b = append(b, ".0"...)
	if st.RejectedRecordCount != 0 {
		b = append(b, `,"rejectedRecordCount":`...)
		b = strconv.AppendInt(b, st.RejectedRecordCount, 10)
		b = append(b, ".0"...)
	}
	return append(b, '}'), nil
}

// WithStats returns a copy of the state with destinationStats set to st. Every other key is
// kept, byte for byte and in its place; an existing destinationStats is replaced.
func (s *State) WithStats(st Stats) (*State, error) {
	stats, _ := st.MarshalJSON()
	raw, err := setTopLevelKey(s.raw, "destinationStats", stats)
	if err != nil {
		return nil, err
	}
	return &State{Type: s.Type, Stream: s.Stream, raw: raw}, nil
}

// setTopLevelKey returns obj with key removed, then appended with value as the last member.
func setTopLevelKey(obj []byte, key string, value []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(obj)
	if len(trimmed) < 2 || trimmed[0] != '{' || trimmed[len(trimmed)-1] != '}' {
		return nil, errors.New("state is not a JSON object")
	}
	without, err := removeTopLevelKey(trimmed, key)
	if err != nil {
		return nil, err
	}
	body := bytes.TrimSpace(without[1 : len(without)-1])
	out := make([]byte, 0, len(without)+len(key)+len(value)+4)
	out = append(out, '{')
	out = append(out, body...)
	if len(body) > 0 {
		out = append(out, ',')
	}
	out = strconv.AppendQuote(out, key)
	out = append(out, ':')
	out = append(out, value...)
	return append(out, '}'), nil
}

// removeTopLevelKey removes every member named key from a JSON object.
func removeTopLevelKey(obj []byte, key string) ([]byte, error) {
	if !bytes.Contains(obj, []byte(key)) {
		return obj, nil
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	first := true
	for dec.More() {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
		end := dec.InputOffset()
		if tok != key {
			first = false
			continue
		}
		if first {
			// Take the comma that follows instead of the one before.
			rest := bytes.TrimLeft(obj[end:], " \t\r\n")
			if len(rest) > 0 && rest[0] == ',' {
				end = int64(len(obj) - len(rest) + 1)
			}
		}
		out := append(append([]byte(nil), obj[:start]...), obj[end:]...)
		return removeTopLevelKey(out, key)
	}
	return obj, nil
}
