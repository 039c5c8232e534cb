package e2e

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// arrival is the first time the fake accepted an event, and where.
type arrival struct {
	at    time.Time
	pixel string
}

// arrivals maps "id\x00type" to the event's first acceptance by the fake. The fake stamps an
// event before it answers, so an arrival before a state's echo was read is an arrival before
// the echo was written.
func arrivals(f *fake) map[string]arrival {
	out := map[string]arrival{}
	for _, e := range f.api.Events() {
		k := e.ID + "\x00" + e.Type
		if _, dup := out[k]; !dup {
			out[k] = arrival{at: e.ReceivedAt, pixel: e.PixelID}
		}
	}
	return out
}

func (r *inRecord) eventKey() string { return r.id + "\x00" + r.typ }

// echoedState is an echoed state matched with its input.
type echoedState struct {
	index    int // in the input
	in       *inState
	line     connectortest.Line
	recorded float64 // destinationStats.recordCount
	rejected float64 // destinationStats.rejectedRecordCount, 0 when absent
}

// checkWrite checks a write's run against its input and the fake:
//   - checkCommon's properties;
//   - each echoed state is an input state, echoed at most once and in input order (per stream
//     for STREAM states, among all states for GLOBAL states; see echoOrder), equal to
//     the input state with every field kept (numbers compared as written) plus
//     destinationStats, whose counts are written with a decimal point;
//   - no state before its records: when a state's echo was read, every record before it on
//     stdin (of its stream for STREAM, of all streams for GLOBAL) had reached the fake, at
//     its pixel, or is one the API refuses;
//   - its stats add up: recordCount + rejectedRecordCount is the number of records of its
//     scope since the previous state of the same scope, recordCount those delivered and
//     rejectedRecordCount those refused;
//   - a run that ends 0 echoes every state and reports no error.
//
// It returns the echoed states.
func checkWrite(t *testing.T, f *fake, in *input, r *connectortest.Result) []echoedState {
	t.Helper()
	checkCommon(t, r)
	for _, m := range r.Messages {
		assert.Contains(t, []string{"STATE", "LOG", "TRACE"}, m.Type, "write prints states, logs and traces: %s", m.Line.Text)
	}
	byID := map[int]int{}
	for i, m := range in.msgs {
		if m.state != nil {
			byID[m.state.id] = i
		}
	}
	arrived := arrivals(f)
	var echoed []echoedState
	order := newEchoOrder()
	for _, m := range r.OfType("STATE") {
		e, ok := matchState(t, in, byID, m)
		if !ok || !order.check(t, in, e) {
			continue
		}
		checkCoverage(t, in, e, arrived)
		echoed = append(echoed, e)
	}
	if r.Exit == 0 {
		assert.Len(t, echoed, len(in.states()), "a successful write echoes every state; stdout:\n%s", r.Stdout)
		assert.Empty(t, r.ErrorTraces(), "a successful write reports no error")
	}
	return echoed
}

// checkFailedWrite checks a write that must fail: exit 1, checkWrite's properties, and
// one TRACE ERROR of failure type kind whose message contains every one of words. It
// returns the echoed states.
func checkFailedWrite(t *testing.T, f *fake, in *input, r *connectortest.Result, kind string, words ...string) []echoedState {
	t.Helper()
	assert.Equal(t, 1, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	gotKind, msg := r.Failure(t)
	assert.Equal(t, kind, gotKind, "failure_type")
	for _, w := range words {
		assert.Contains(t, msg, w)
	}
	return echoed
}

// echoOrder checks the order of echoed states (protocol reference §6 rule 3): STREAM states of
// one stream in input order, and GLOBAL states in input order relative to every state. STREAM
// states of different streams may be echoed in any order.
type echoOrder struct {
	byStream map[string]int // input index of the last state echoed, by stream
	global   int            // input index of the last GLOBAL state echoed
	echoed   map[int]bool   // input indexes echoed
}

func newEchoOrder() *echoOrder {
	return &echoOrder{byStream: map[string]int{}, global: -1, echoed: map[int]bool{}}
}

// check reports whether e may be echoed after the states echoed so far, and notes it.
func (o *echoOrder) check(t *testing.T, in *input, e echoedState) bool {
	t.Helper()
	if !assert.False(t, o.echoed[e.index], "state %d is echoed once", e.in.id) ||
		!assert.Greater(t, e.index, o.global, "state %d is echoed after the GLOBAL states read before it", e.in.id) {
		return false
	}
	if e.in.global {
		for i, m := range in.msgs[:e.index] {
			if m.state != nil && !assert.True(t, o.echoed[i], "GLOBAL state %d is echoed after every state read before it (state %d)", e.in.id, m.state.id) {
				return false
			}
		}
		o.global = e.index
	} else {
		last, seen := o.byStream[e.in.stream.key()]
		if seen && !assert.Greater(t, e.index, last, "state %d is echoed in input order among its stream's states", e.in.id) {
			return false
		}
		o.byStream[e.in.stream.key()] = e.index
	}
	o.echoed[e.index] = true
	return true
}

// matchState finds an echoed state's input and checks that it is echoed verbatim with
// destinationStats.
func matchState(t *testing.T, in *input, byID map[int]int, m connectortest.Message) (echoedState, bool) {
	t.Helper()
	var head struct {
		ID    *int            `json:"id"`
		Stats json.RawMessage `json:"destinationStats"`
	}
	if !assert.NoError(t, json.Unmarshal(m.State, &head), "state: %s", m.Line.Text) ||
		!assert.NotNil(t, head.ID, "an echoed state keeps its id: %s", m.Line.Text) {
		return echoedState{}, false
	}
	index, ok := byID[*head.ID]
	if !assert.True(t, ok, "echoed state %d was in the input", *head.ID) {
		return echoedState{}, false
	}
	st := in.msgs[index].state
	got, want := decodeExact(t, m.State), decodeExact(t, st.raw)
	delete(got, "destinationStats")
	assert.Equal(t, want, got, "state %d is echoed with every input field kept", st.id)

	e := echoedState{index: index, in: st, line: m.Line}
	var stats map[string]json.RawMessage
	if !assert.NoError(t, json.Unmarshal(head.Stats, &stats), "state %d has destinationStats: %s", st.id, m.Line.Text) {
		return e, true
	}
	for name, v := range stats {
		assert.Contains(t, []string{"recordCount", "rejectedRecordCount"}, name)
		assert.Contains(t, string(v), ".", "destinationStats.%s is written with a decimal point: %s", name, v)
	}
	if assert.Contains(t, stats, "recordCount", "state %d", st.id) {
		e.recorded = number(t, stats["recordCount"])
	}
	if v, ok := stats["rejectedRecordCount"]; ok {
		e.rejected = number(t, v)
	}
	return e, true
}

// checkCoverage checks that e's records had reached their final outcome when it was echoed,
// and that its stats count them.
func checkCoverage(t *testing.T, in *input, e echoedState, arrived map[string]arrival) {
	t.Helper()
	inScope := func(r *inRecord) bool { return e.in.global || r.stream.key() == e.in.stream.key() }
	spanStart := 0 // just after the previous state of the same scope
	for i := e.index - 1; i >= 0; i-- {
		if s := in.msgs[i].state; s != nil && s.global == e.in.global && (s.global || s.stream.key() == e.in.stream.key()) {
			spanStart = i + 1
			break
		}
	}
	var delivered, refused, missing int
	for i, m := range in.msgs[:e.index] {
		r := m.record
		if r == nil || !inScope(r) {
			continue
		}
		a, ok := arrived[r.eventKey()]
		switch {
		case r.refused:
			assert.False(t, ok, "refused record %s never reaches the API", r.id)
		case !ok || !a.at.Before(e.line.At):
			missing++
			if missing <= 3 {
				assert.Failf(t, "state echoed before its records", "state %d was echoed before record %s (stream %s, input line %d) reached the API",
					e.in.id, r.id, r.stream.key(), i+1)
			}
		default:
			assert.Equal(t, r.stream.pixel, a.pixel, "record %s reached its stream's pixel", r.id)
		}
		if i >= spanStart {
			if r.refused {
				refused++
			} else {
				delivered++
			}
		}
	}
	assert.Zero(t, missing, "records not yet delivered when state %d was echoed", e.in.id)
	assert.Equal(t, float64(delivered+refused), e.recorded+e.rejected,
		"state %d: recordCount + rejectedRecordCount = records of its scope since the previous state of the scope", e.in.id)
	assert.Equal(t, float64(delivered), e.recorded, "state %d: recordCount", e.in.id)
	assert.Equal(t, float64(refused), e.rejected, "state %d: rejectedRecordCount", e.in.id)
}

// decodeExact decodes JSON keeping numbers as written, so that 1.0 and 1 differ.
func decodeExact(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	require.NoError(t, dec.Decode(&v))
	return v
}

func number(t *testing.T, raw json.RawMessage) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.TrimSpace(string(raw)), 64)
	assert.NoError(t, err, "a number: %s", raw)
	return f
}

// eventsByID decodes the events the fake stored, by id (the last one stored of an id).
func eventsByID(t *testing.T, f *fake) map[string]map[string]any {
	t.Helper()
	got := map[string]map[string]any{}
	for _, e := range f.api.Events() {
		var ev map[string]any
		require.NoError(t, json.Unmarshal(e.Raw, &ev))
		got[e.ID] = ev
	}
	return got
}

// stateIDs returns the ids of echoed states.
func stateIDs(echoed []echoedState) []int {
	var ids []int
	for _, e := range echoed {
		ids = append(ids, e.in.id)
	}
	return ids
}

// assertAllDelivered checks that every valid record of the inputs reached its pixel at least
// once.
func assertAllDelivered(t *testing.T, f *fake, ins ...*input) {
	t.Helper()
	arrived := arrivals(f)
	missing := 0
	for _, in := range ins {
		for _, r := range in.validRecords() {
			a, ok := arrived[r.eventKey()]
			if !ok {
				missing++
				continue
			}
			assert.Equal(t, r.stream.pixel, a.pixel, "record %s reached its stream's pixel", r.id)
		}
	}
	assert.Zero(t, missing, "valid records that never reached the API")
}

// assertExactlyOnce checks that the fake stored every valid record of in once and saw no
// duplicate: what a run without lost answers must achieve.
func assertExactlyOnce(t *testing.T, f *fake, in *input) fakeapi.Stats {
	t.Helper()
	assertAllDelivered(t, f, in)
	st := f.api.Stats()
	assert.Zero(t, st.Duplicates, "no event is sent twice")
	assert.Equal(t, int64(len(in.validRecords())), st.EventsAccepted, "events the API stored")
	return st
}
