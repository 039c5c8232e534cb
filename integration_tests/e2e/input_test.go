package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
	"github.com/stretchr/testify/require"
)

// stream is one stream of a write: its name and namespace, and the pixel its records must
// reach (however the connector is told it).
type stream struct {
	name, namespace, pixel string
	// objectName, when set, is the catalog's destination_object_name (data activation).
	objectName string
}

func (s stream) key() string { return s.namespace + "." + s.name }

// catalogOf builds the configured catalog of streams.
func catalogOf(streams ...stream) map[string]any {
	var cs []connectortest.Stream
	for _, s := range streams {
		cs = append(cs, connectortest.Stream{Name: s.name, Namespace: s.namespace, ObjectName: s.objectName})
	}
	return connectortest.Catalog(cs...)
}

// inRecord is one RECORD line of the input.
type inRecord struct {
	stream stream
	number int // 1-based within its stream, as the connector numbers records
	id     string
	typ    string
	// refused marks a record the API will refuse (poisoned): it must be counted as rejected,
	// never delivered.
	refused bool
}

// inState is one STATE line of the input.
type inState struct {
	id     int // the platform's state id, unique in the input
	global bool
	stream stream // of a STREAM state
	raw    json.RawMessage
}

// inMsg is one input line; record or state is set, or neither for other messages.
type inMsg struct {
	line   []byte
	record *inRecord
	state  *inState
}

// input is a write's stdin, generated in Go, with what each line means. Records are
// timestamped a minute ago, within the API's 7-day window.
type input struct {
	msgs    []inMsg
	now     int64
	numbers map[string]int // records so far per stream
	stateID int
}

func newInput() *input {
	return &input{now: time.Now().Add(-time.Minute).UnixMilli(), numbers: map[string]int{}}
}

// eventTypes are the record kinds the input cycles through.
var eventTypes = []string{"lead_created", "order_created", "page_viewed"}

// records adds n valid records of s.
func (in *input) records(s stream, n int) *input {
	for range n {
		in.record(s)
	}
	return in
}

// record adds one valid record of s and returns it.
func (in *input) record(s stream) *inRecord {
	in.numbers[s.key()]++
	n := in.numbers[s.key()]
	r := &inRecord{stream: s, number: n, typ: eventTypes[n%len(eventTypes)],
		id: fmt.Sprintf("%s-%05d", strings.TrimPrefix(s.namespace+"-"+s.name, "-"), n)}
	var data string
	switch r.typ {
	case "lead_created":
		data = fmt.Sprintf(`{"id":%q,"type":"lead_created","timestamp_ms":%d,"action_source":"other","data":{"type":"customer_action"},"user":{"email":" Person.%d@Example.com "},"_airbyte_extracted_at":%d}`,
			r.id, in.now, n, in.now)
	case "order_created":
		data = fmt.Sprintf(`{"id":%q,"type":"order_created","timestamp_ms":"%s","action_source":"web","source_url":"https://shop.example.com/checkout?session=%d","data":{"type":"contents","amount":12999,"currency":"usd","contents":[{"id":"sku-%d","quantity":2,"amount":6499}]}}`,
			r.id, time.UnixMilli(in.now).UTC().Format(time.RFC3339Nano), n, n%7)
	default:
		data = fmt.Sprintf(`{"id":%q,"type":"page_viewed","timestamp_ms":%d,"action_source":"web","source_url":"https://shop.example.com/p/%d","opt_out":false}`,
			r.id, in.now, n)
	}
	in.addRecord(r, data)
	return r
}

// addRecord adds the RECORD line of r with data.
func (in *input) addRecord(r *inRecord, data string) {
	ns := ""
	if r.stream.namespace != "" {
		ns = fmt.Sprintf(`"namespace":%q,`, r.stream.namespace)
	}
	line := fmt.Sprintf(`{"type":"RECORD","record":{"stream":%q,%s"data":%s,"emitted_at":%d}}`+"\n", r.stream.name, ns, data, in.now)
	in.msgs = append(in.msgs, inMsg{line: []byte(line), record: r})
}

// bigRecord adds a valid lead of s whose user agent makes its line longer than size bytes.
func (in *input) bigRecord(s stream, size int) *inRecord {
	in.numbers[s.key()]++
	n := in.numbers[s.key()]
	r := &inRecord{stream: s, number: n, typ: "lead_created", id: fmt.Sprintf("%s-big-%05d", s.name, n)}
	in.addRecord(r, fmt.Sprintf(`{"id":%q,"type":"lead_created","timestamp_ms":%d,"action_source":"other","user":{"user_agent":"Mozilla/5.0 %s"}}`,
		r.id, in.now, strings.Repeat("x", size)))
	return r
}

// invalidRecords adds one record of s per way the connector's own checks refuse one, and
// returns them. Each is marked refused.
func (in *input) invalidRecords(s stream) []*inRecord {
	bodies := []string{
		`{"id":%q,"type":"purchase","timestamp_ms":%d}`,                                                // unknown type
		`{"id":%q,"type":"lead_created","timestamp_ms":%d,"action_source":"web"}`,                      // web without source_url
		`{"id":%q,"type":"order_created","timestamp_ms":%d,"data":{"amount":129.99,"currency":"USD"}}`, // fractional amount
	}
	var out []*inRecord
	for _, body := range bodies {
		in.numbers[s.key()]++
		n := in.numbers[s.key()]
		r := &inRecord{stream: s, number: n, typ: "invalid", id: fmt.Sprintf("%s-bad-%05d", s.name, n), refused: true}
		in.addRecord(r, fmt.Sprintf(body, r.id, in.now))
		out = append(out, r)
	}
	in.numbers[s.key()]++
	n := in.numbers[s.key()]
	old := &inRecord{stream: s, number: n, typ: "lead_created", id: fmt.Sprintf("%s-old-%05d", s.name, n), refused: true}
	in.addRecord(old, fmt.Sprintf(`{"id":%q,"type":"lead_created","timestamp_ms":%d}`, old.id, time.UnixMilli(in.now).Add(-8*24*time.Hour).UnixMilli()))
	return append(out, old)
}

// streamState adds a STREAM state of s, with a platform id, source stats and a key the
// protocol does not know, all of which must be echoed.
func (in *input) streamState(s stream) *input {
	in.stateID++
	desc := map[string]any{"name": s.name}
	if s.namespace != "" {
		desc["namespace"] = s.namespace
	}
	descJSON, _ := json.Marshal(desc)
	raw := fmt.Sprintf(`{"type":"STREAM","stream":{"stream_descriptor":%s,"stream_state":{"cursor":"2026-11-27T09:%02d:00Z","n":%d}},"sourceStats":{"recordCount":%d.0},"id":%d,"x_unknown":{"keep":[1,2.50,"three"]}}`,
		descJSON, in.stateID%60, in.stateID, in.numbers[s.key()], in.stateID)
	in.addState(&inState{id: in.stateID, stream: s, raw: json.RawMessage(raw)})
	return in
}

// globalState adds a GLOBAL state naming streams.
func (in *input) globalState(streams ...stream) *input {
	in.stateID++
	var states []any
	for _, s := range streams {
		desc := map[string]any{"name": s.name}
		if s.namespace != "" {
			desc["namespace"] = s.namespace
		}
		states = append(states, map[string]any{"stream_descriptor": desc, "stream_state": map[string]any{"c": in.stateID}})
	}
	statesJSON, _ := json.Marshal(states)
	raw := fmt.Sprintf(`{"type":"GLOBAL","global":{"shared_state":{"lsn":%d},"stream_states":%s},"sourceStats":{"recordCount":1.0},"id":%d}`,
		in.stateID*1000, statesJSON, in.stateID)
	in.addState(&inState{id: in.stateID, global: true, raw: json.RawMessage(raw)})
	return in
}

func (in *input) addState(s *inState) {
	line := `{"type":"STATE","state":` + string(s.raw) + "}\n"
	in.msgs = append(in.msgs, inMsg{line: []byte(line), state: s})
}

// other adds a line that is neither record nor state, which the connector must skip.
func (in *input) other(line string) *input {
	in.msgs = append(in.msgs, inMsg{line: []byte(line + "\n")})
	return in
}

// bytes returns the input lines from index from on.
func (in *input) bytes(from int) []byte {
	var b []byte
	for _, m := range in.msgs[from:] {
		b = append(b, m.line...)
	}
	return b
}

// lines returns the input lines in [from, to).
func (in *input) lines(from, to int) [][]byte {
	var out [][]byte
	for _, m := range in.msgs[from:to] {
		out = append(out, m.line)
	}
	return out
}

// slice returns the input made of the lines from index from on, with their meaning. Record
// numbers are those of the whole input, so a rerun's records keep their ids.
func (in *input) slice(from int) *input {
	return &input{msgs: in.msgs[from:], now: in.now}
}

// stateIndex returns the index of the state with id.
func (in *input) stateIndex(t *testing.T, id int) int {
	t.Helper()
	for i, m := range in.msgs {
		if m.state != nil && m.state.id == id {
			return i
		}
	}
	require.Failf(t, "no such state", "state id %d", id)
	return -1
}

// validRecords returns the records the API should accept.
func (in *input) validRecords() []*inRecord {
	var out []*inRecord
	for _, m := range in.msgs {
		if m.record != nil && !m.record.refused {
			out = append(out, m.record)
		}
	}
	return out
}

// states returns the input's states.
func (in *input) states() []*inState {
	var out []*inState
	for _, m := range in.msgs {
		if m.state != nil {
			out = append(out, m.state)
		}
	}
	return out
}
