package checkpoint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Streams used by the ordering tables.
const (
	A StreamID = 0
	B StreamID = 1
)

// step is one event of an ordering table and the states that must be
// released right after it, formatted "name delivered/rejected".
type step struct {
	op     string // "rec", "stream", "global", "ok", "rej"
	stream StreamID
	name   string // record label or state payload
	want   []string
}

func rec(s StreamID, name string) step    { return step{op: "rec", stream: s, name: name} }
func sstate(s StreamID, name string) step { return step{op: "stream", stream: s, name: name} }
func gstate(name string) step             { return step{op: "global", name: name} }
func ok(name string) step                 { return step{op: "ok", name: name} }
func rej(name string) step                { return step{op: "rej", name: name} }

// then sets the states expected to be released after the step.
func (s step) then(want ...string) step { s.want = want; return s }

func TestTrackerOrderings(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"in-order acks", []step{
			rec(A, "a1"), rec(A, "a2"), sstate(A, "S1"),
			ok("a1"), ok("a2").then("S1 2/0"),
		}},
		{"out-of-order acks", []step{
			rec(A, "a1"), rec(A, "a2"), rec(A, "a3"), sstate(A, "S1"),
			ok("a3"), ok("a1"), ok("a2").then("S1 3/0"),
		}},
		{"rejected record in the middle", []step{
			rec(A, "a1"), rec(A, "a2"), rec(A, "a3"), sstate(A, "S1"),
			rec(A, "a4"), sstate(A, "S2"),
			ok("a1"), rej("a2"), ok("a4"), ok("a3").then("S1 2/1", "S2 1/0"),
		}},
		{"protocol worked example", []step{
			rec(A, "A1"), rec(A, "A2"), rec(A, "A3"), sstate(A, "id7"),
			ok("A1"), rej("A2"), ok("A3").then("id7 2/1"),
			rec(A, "A4"), sstate(A, "id8"), ok("A4").then("id8 1/0"),
		}},
		{"records after a state do not block it", []step{
			rec(A, "a1"), sstate(A, "S1"), rec(A, "a2"),
			ok("a1").then("S1 1/0"), ok("a2"),
		}},
		{"acks before the state is read", []step{
			rec(A, "a1"), ok("a1"), rec(A, "a2"), rej("a2"),
			sstate(A, "S1").then("S1 1/1"),
		}},
		{"stream state released while another stream is pending", []step{
			rec(B, "b1"), rec(A, "a1"), sstate(A, "SA"),
			ok("a1").then("SA 1/0"),
			sstate(B, "SB"), ok("b1").then("SB 1/0"),
		}},
		{"stream state counts only its own stream", []step{
			rec(A, "a1"), rec(B, "b1"), rec(A, "a2"), sstate(A, "SA"), sstate(B, "SB"),
			ok("b1").then("SB 1/0"), ok("a1"), rej("a2").then("SA 1/1"),
		}},
		{"global state waits for every stream", []step{
			rec(A, "a1"), rec(B, "b1"), gstate("G1"),
			ok("a1"), ok("b1").then("G1 2/0"),
		}},
		{"global state counts since the previous global", []step{
			rec(A, "a1"), gstate("G1"), rec(B, "b1"), rec(A, "a2"), gstate("G2"),
			rej("b1"), ok("a2"), ok("a1").then("G1 1/0", "G2 1/1"),
		}},
		{"a stream state does not wait for another stream's earlier state", []step{
			rec(A, "a1"), sstate(A, "SA"), rec(B, "b1"), sstate(B, "SB"),
			ok("b1").then("SB 1/0"), ok("a1").then("SA 1/0"),
		}},
		{"a stuck stream holds back its own states only", []step{
			rec(A, "a1"), sstate(A, "SA1"), rec(B, "b1"), sstate(B, "SB1"), rec(B, "b2"), sstate(B, "SB2"),
			ok("b2"), ok("b1").then("SB1 1/0", "SB2 1/0"),
			rec(A, "a2"), sstate(A, "SA2"), ok("a2"),
			rec(B, "b3"), sstate(B, "SB3"), ok("b3").then("SB3 1/0"),
			ok("a1").then("SA1 1/0", "SA2 1/0"),
		}},
		{"stream states keep their order within the stream", []step{
			rec(A, "a1"), sstate(A, "SA1"), rec(A, "a2"), sstate(A, "SA2"),
			ok("a2"), rec(B, "b1"), sstate(B, "SB"), ok("b1").then("SB 1/0"),
			ok("a1").then("SA1 1/0", "SA2 1/0"),
		}},
		{"global between stream states: later stream states wait for it", []step{
			rec(A, "a1"), sstate(A, "SA1"), rec(B, "b1"), gstate("G1"), rec(B, "b2"), sstate(B, "SB1"),
			ok("b2"), ok("b1"),
			ok("a1").then("SA1 1/0", "G1 2/0", "SB1 2/0"),
		}},
		{"global between stream states: earlier stream states go first", []step{
			rec(A, "a1"), rec(B, "b1"), sstate(B, "SB1"), gstate("G1"),
			ok("b1").then("SB1 1/0"), ok("a1").then("G1 2/0"),
		}},
		{"global waits for an earlier stream state of a stuck stream", []step{
			rec(A, "a1"), sstate(A, "SA1"), gstate("G1"), rec(B, "b1"), sstate(B, "SB1"),
			ok("b1"), ok("a1").then("SA1 1/0", "G1 1/0", "SB1 1/0"),
		}},
		{"stream states after two globals", []step{
			rec(A, "a1"), gstate("G1"), gstate("G2"), sstate(B, "SB").then(),
			rec(B, "b1"), sstate(B, "SB2"), ok("b1"),
			ok("a1").then("G1 1/0", "G2 0/0", "SB 0/0", "SB2 1/0"),
		}},
		{"stream state between two globals", []step{
			rec(A, "a1"), gstate("G1"), rec(B, "b1"), sstate(B, "SB"), gstate("G2"),
			ok("b1"), ok("a1").then("G1 1/0", "SB 1/0", "G2 1/0"),
		}},
		{"head of line across scopes", []step{
			rec(A, "a1"), gstate("G1"), sstate(B, "SB"),
			ok("a1").then("G1 1/0", "SB 0/0"),
		}},
		{"state with no records is released at once", []step{
			sstate(A, "S0").then("S0 0/0"),
			gstate("G0").then("G0 0/0"),
		}},
		{"state of an idle stream behind a busy one", []step{
			rec(A, "a1"), sstate(B, "SB").then("SB 0/0"),
			sstate(A, "SA"), ok("a1").then("SA 1/0"),
		}},
		{"consecutive states", []step{
			rec(A, "a1"), sstate(A, "S1"), sstate(A, "S2"), sstate(A, "S3"),
			ok("a1").then("S1 1/0", "S2 0/0", "S3 0/0"),
		}},
		{"consecutive globals after records", []step{
			rec(A, "a1"), rec(B, "b1"), gstate("G1"), gstate("G2"),
			ok("b1"), rej("a1").then("G1 1/1", "G2 0/0"),
		}},
		{"stream states in a global-state sync keep their own counts", []step{
			rec(A, "a1"), sstate(A, "SA1"), rec(A, "a2"), gstate("G1"), sstate(A, "SA2"),
			ok("a2"), ok("a1").then("SA1 1/0", "G1 2/0", "SA2 1/0"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := New[any]()
			seqs := map[string]Seq{}
			for i, st := range tt.steps {
				switch st.op {
				case "rec":
					seqs[st.name] = tr.Record(st.stream)
				case "stream":
					tr.StreamState(st.stream, st.name)
				case "global":
					tr.GlobalState(st.name)
				case "ok", "rej":
					seq, known := seqs[st.name]
					require.True(t, known, "step %d: unknown record %q", i, st.name)
					o := Delivered
					if st.op == "rej" {
						o = Rejected
					}
					require.NoError(t, tr.Done(seq, o), "step %d", i)
				}
				assert.Equal(t, st.want, format(tr.Ready()), "released after step %d (%s %s)", i, st.op, st.name)
			}
			assert.Zero(t, tr.PendingStates(), "pending states at end")
			assert.Zero(t, tr.PendingRecords(), "pending records at end")
		})
	}
}

// format renders released states as "payload delivered/rejected"; nil when
// nothing was released.
func format(rs []Released[any]) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%v %d/%d", r.Payload, r.Stats.Delivered, r.Stats.Rejected))
	}
	return out
}

func TestTrackerDoneErrors(t *testing.T) {
	tr := New[any]()
	a1 := tr.Record(A)
	a2 := tr.Record(A)
	tr.StreamState(A, "S1")
	require.NoError(t, tr.Done(a1, Delivered))

	err := tr.Done(a1, Delivered)
	assert.ErrorIs(t, err, ErrAlreadyDone, "double Done")
	assert.ErrorIs(t, tr.Done(a1, Rejected), ErrAlreadyDone, "double Done with another outcome")
	assert.ErrorIs(t, tr.Done(0, Delivered), ErrUnknownSeq, "zero Seq")
	assert.ErrorIs(t, tr.Done(Seq(1<<32|99), Delivered), ErrUnknownSeq, "slot never used")
	assert.ErrorIs(t, tr.Done(a2+1<<32, Delivered), ErrUnknownSeq, "future generation")
	assert.ErrorIs(t, tr.Done(a2, 0), ErrBadOutcome, "zero outcome")
	assert.ErrorIs(t, tr.Done(a2, 7), ErrBadOutcome, "unknown outcome")
	assert.Equal(t, 1, tr.PendingRecords(), "errors change nothing")
	assert.Empty(t, tr.Ready(), "S1 still waits for a2")

	// a1's slot is reused by a3; the stale ticket a1 must still be refused.
	a3 := tr.Record(A)
	assert.NotEqual(t, a1, a3)
	assert.ErrorIs(t, tr.Done(a1, Delivered), ErrAlreadyDone, "stale ticket of a reused slot")
	require.NoError(t, tr.Done(a2, Delivered))
	assert.Equal(t, []string{"S1 2/0"}, format(tr.Ready()))
	require.NoError(t, tr.Done(a3, Rejected))
	assert.Equal(t, 0, tr.PendingRecords())
}

func TestTrackerNegativeStreamPanics(t *testing.T) {
	tr := New[any]()
	assert.Panics(t, func() { tr.Record(-1) })
	assert.Panics(t, func() { tr.StreamState(-1, nil) })
}

func TestTrackerMemoryIsBoundedByWorkingSet(t *testing.T) {
	tr := New[any]()
	var window []Seq
	for i := range 100_000 {
		window = append(window, tr.Record(StreamID(i%3)))
		if len(window) == 50 {
			// Finish the window back to front: worst order for a watermark.
			for j := len(window) - 1; j >= 0; j-- {
				require.NoError(t, tr.Done(window[j], Delivered))
			}
			window = window[:0]
		}
		if i%1000 == 999 {
			tr.StreamState(StreamID(i%3), i)
			tr.GlobalState(i)
		}
		tr.Ready()
	}
	assert.LessOrEqual(t, len(tr.slots), 50, "slots")
	assert.LessOrEqual(t, len(tr.globals.buf), 8, "global state queue capacity")
	for s := range tr.streams {
		assert.LessOrEqual(t, len(tr.streams[s].segs.q.buf), 4, "segments of stream %d", s)
		assert.LessOrEqual(t, len(tr.streams[s].states.buf), 4, "states of stream %d", s)
	}
	assert.LessOrEqual(t, len(tr.epochs.buf), 8, "epochs")
}

func TestOutcomeAndSeqString(t *testing.T) {
	assert.Equal(t, "delivered", Delivered.String())
	assert.Equal(t, "rejected", Rejected.String())
	assert.Equal(t, "Outcome(9)", Outcome(9).String())
	tr := New[any]()
	tr.Record(A)
	s := tr.Record(A)
	assert.True(t, strings.HasPrefix(s.String(), "1."), s.String())
}

func TestTrackerEachWaiting(t *testing.T) {
	tr := New[any]()
	tr.Record(A)
	a2 := tr.Record(A)
	tr.StreamState(A, "SA")
	b1 := tr.Record(B)
	tr.GlobalState("G")
	tr.StreamState(B, "SB")
	require.NoError(t, tr.Done(a2, Delivered))
	require.NoError(t, tr.Done(b1, Delivered))
	require.Empty(t, tr.Ready(), "SA and G wait for a1, SB for G")

	var got []Waiting[any]
	tr.EachWaiting(func(w Waiting[any]) { got = append(got, w) })
	assert.Equal(t, []Waiting[any]{
		{Payload: "SA", Stream: A, Records: 1},
		{Payload: "SB", Stream: B, Records: 0}, // its records are done: it waits for G
		{Payload: "G", Global: true, Stream: -1, Records: 1},
	}, got)
	assert.Equal(t, int64(1), tr.PendingOf(A))
	assert.Equal(t, int64(0), tr.PendingOf(B))
	assert.Equal(t, int64(0), tr.PendingOf(7), "a stream never seen")
}
