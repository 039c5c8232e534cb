package checkpoint

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// modelRecord and modelState are the reference model of the property test:
// plain lists in read order, checked by brute force.
type modelRecord struct {
	stream  StreamID
	done    bool
	outcome Outcome
}

type modelState struct {
	scope StreamID // globalScope for GLOBAL
	pos   int      // records read before the state
	from  int      // pos of the previous state of the same scope
}

type model struct {
	records  []modelRecord
	states   []modelState
	seqs     []Seq         // ticket of records[i]
	open     []int         // indexes of records not yet done
	released int           // states released so far
	got      map[int]Stats // stats reported by the Tracker for released states, by state
}

// globalScope marks a GLOBAL state in the model.
const globalScope StreamID = -1

// releasable reports whether state i may be released now: it is pending, its
// records are done, and no state it must follow is pending (an earlier state
// of its stream, an earlier global state, or for a global state any earlier
// state).
func (m *model) releasable(i int) bool {
	if _, done := m.got[i]; done || !m.covered(i) {
		return false
	}
	st := m.states[i]
	for j := range i {
		if _, done := m.got[j]; done {
			continue
		}
		if o := m.states[j]; st.scope == globalScope || o.scope == globalScope || o.scope == st.scope {
			return false
		}
	}
	return true
}

// inScope reports whether record r is covered by scope.
func (m *model) inScope(r int, scope StreamID) bool {
	return scope == globalScope || m.records[r].stream == scope
}

// covered reports whether every record before state i in its scope is done.
func (m *model) covered(i int) bool {
	st := m.states[i]
	for r := range st.pos {
		if m.inScope(r, st.scope) && !m.records[r].done {
			return false
		}
	}
	return true
}

// stats counts the outcomes in the span of state i.
func (m *model) stats(i int) Stats {
	st := m.states[i]
	var s Stats
	for r := st.from; r < st.pos; r++ {
		if !m.inScope(r, st.scope) {
			continue
		}
		switch m.records[r].outcome {
		case Delivered:
			s.Delivered++
		case Rejected:
			s.Rejected++
		}
	}
	return s
}

func (m *model) addState(scope StreamID) int {
	from := 0
	for j := len(m.states) - 1; j >= 0; j-- {
		if m.states[j].scope == scope {
			from = m.states[j].pos
			break
		}
	}
	m.states = append(m.states, modelState{scope: scope, pos: len(m.records), from: from})
	return len(m.states) - 1
}

// check verifies one call of Ready against the model.
func (m *model) check(t *testing.T, tr *Tracker[any], got []Released[any]) {
	t.Helper()
	for _, r := range got {
		i := r.Payload.(int)
		require.True(t, m.covered(i), "state %d released before its records were done", i)
		require.True(t, m.releasable(i), "state %d released twice or before a state it must follow", i)
		require.Equal(t, m.stats(i), r.Stats, "stats of state %d", i)
		m.got[i] = r.Stats
		m.released++
	}
	for i := range m.states {
		require.False(t, m.releasable(i), "state %d may be released but was not", i)
	}
	require.Equal(t, len(m.states)-m.released, tr.PendingStates(), "PendingStates")
	require.Equal(t, len(m.open), tr.PendingRecords(), "PendingRecords")
}

func TestTrackerProperty(t *testing.T) {
	for seed := range uint64(500) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		streams := 1 + rng.IntN(4)
		// Some runs use only STREAM states, some only GLOBAL, some both.
		mode := rng.IntN(3)
		tr := New[any]()
		m := &model{got: map[int]Stats{}}
		done := func(k int) {
			r := m.open[k]
			m.open[k] = m.open[len(m.open)-1]
			m.open = m.open[:len(m.open)-1]
			o := Delivered
			if rng.IntN(5) == 0 {
				o = Rejected
			}
			m.records[r].done, m.records[r].outcome = true, o
			require.NoError(t, tr.Done(m.seqs[r], o), "seed %d", seed)
		}
		for range 300 + rng.IntN(300) {
			switch x := rng.IntN(100); {
			case x < 45:
				s := StreamID(rng.IntN(streams))
				m.records = append(m.records, modelRecord{stream: s})
				m.seqs = append(m.seqs, tr.Record(s))
				m.open = append(m.open, len(m.records)-1)
			case x < 55 && mode != 1:
				s := StreamID(rng.IntN(streams))
				tr.StreamState(s, m.addState(s))
			case x < 60 && mode != 0:
				tr.GlobalState(m.addState(globalScope))
			case len(m.open) > 0:
				done(rng.IntN(len(m.open)))
			}
			// Even seeds call Ready after every event, odd seeds now and
			// then, so that several states become ready between calls.
			if seed%2 == 0 || rng.IntN(4) == 0 {
				m.check(t, tr, tr.Ready())
			}
		}
		for len(m.open) > 0 {
			done(rng.IntN(len(m.open)))
			m.check(t, tr, tr.Ready())
		}
		require.Equal(t, len(m.states), m.released, "seed %d: every state released at the end", seed)
		checkTotals(t, m)
	}
}

// checkTotals verifies that the stats the Tracker reported for each scope add
// up to the records of that scope read before its last state.
func checkTotals(t *testing.T, m *model) {
	t.Helper()
	sum := map[StreamID]Stats{}
	last := map[StreamID]int{}
	for i, st := range m.states {
		s := m.got[i]
		sum[st.scope] = Stats{sum[st.scope].Delivered + s.Delivered, sum[st.scope].Rejected + s.Rejected}
		last[st.scope] = st.pos
	}
	for scope, s := range sum {
		var want Stats
		for r := range last[scope] {
			if !m.inScope(r, scope) {
				continue
			}
			if m.records[r].outcome == Delivered {
				want.Delivered++
			} else {
				want.Rejected++
			}
		}
		require.Equal(t, want, s, "totals of scope %d", scope)
	}
}
