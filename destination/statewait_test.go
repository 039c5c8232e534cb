package destination

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// waitWriter is a syncWriter with only what warnWaitingStates reads: two streams s1 → px1 and
// s2 → px2, and the LOG lines it writes.
func waitWriter() (*syncWriter, *bytes.Buffer) {
	var out bytes.Buffer
	w := &syncWriter{
		out:   protocol.NewWriter(&out),
		lanes: newLanes(4, nil),
		routes: &routes{byKey: []route{
			{id: 0, name: "s1", descriptor: protocol.StreamDescriptor{Name: "s1"}, pixel: "px1"},
			{id: 1, name: "s2", descriptor: protocol.StreamDescriptor{Name: "s2"}, pixel: "px2"},
		}},
	}
	w.ledger = newLedger(w.out, &Config{}, len(w.routes.byKey), newStops())
	return w, &out
}

func streamState(name string, read time.Time) *heldState {
	return &heldState{state: &protocol.State{Type: protocol.StateStream, Stream: protocol.StreamDescriptor{Name: name}}, read: read}
}

func TestWarnWaitingStates(t *testing.T) {
	t0 := time.Now()
	tests := []struct {
		name  string
		setup func(w *syncWriter)
		at    time.Duration // after t0
		want  []string      // parts of the one warning, none when empty
	}{
		{"a state waiting less than 10 minutes is not reported", func(w *syncWriter) {
			w.ledger.record(0)
			w.ledger.state(0, false, streamState("s1", t0))
		}, 9 * time.Minute, nil},
		{"a STREAM state names its stream, pixel and records outstanding", func(w *syncWriter) {
			w.ledger.record(0)
			w.ledger.record(0)
			w.ledger.state(0, false, streamState("s1", t0))
			w.lanes.lane("px1").health.failing(t0)
		}, 10 * time.Minute, []string{`stream "s1" has waited 10m0s`, "2 records of the stream", "pixel px1", "failing for 10m0s"}},
		{"a GLOBAL state names every stream that holds it", func(w *syncWriter) {
			w.ledger.record(0)
			w.ledger.record(1)
			w.ledger.state(0, true, &heldState{state: &protocol.State{Type: protocol.StateGlobal}, read: t0})
		}, 11 * time.Minute, []string{"GLOBAL state has waited 11m0s", "2 records", `stream "s1": 1 record outstanding at pixel px1`, `stream "s2": 1 record outstanding at pixel px2`}},
		{"a STREAM state behind a GLOBAL state says so", func(w *syncWriter) {
			w.ledger.record(0)
			w.ledger.state(0, true, &heldState{state: &protocol.State{Type: protocol.StateGlobal}, read: t0.Add(time.Minute)})
			w.ledger.state(1, false, streamState("s2", t0))
		}, 10 * time.Minute, []string{`stream "s2"`, "earlier GLOBAL state"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, out := waitWriter()
			tt.setup(w)
			w.warnWaitingStates(t0.Add(tt.at))
			msgs := logMessages(t, out)
			if tt.want == nil {
				assert.Empty(t, msgs)
				return
			}
			if assert.Len(t, msgs, 1, "one warning") {
				for _, part := range tt.want {
					assert.Contains(t, msgs[0], part)
				}
			}
			out.Reset()
			w.warnWaitingStates(t0.Add(tt.at + time.Second))
			assert.Empty(t, out.String(), "each state is reported once")
		})
	}
}

// logMessages decodes the WARN lines written to out.
func logMessages(t *testing.T, out *bytes.Buffer) []string {
	t.Helper()
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line == "" {
			continue
		}
		var m struct {
			Log struct{ Level, Message string }
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		assert.Equal(t, "WARN", m.Log.Level)
		msgs = append(msgs, m.Log.Message)
	}
	return msgs
}
