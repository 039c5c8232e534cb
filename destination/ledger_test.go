package destination

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// heldKeeper keeps rejections until the test makes them final.
type heldKeeper struct {
	kept    []rejection
	finals  []func()
	flushes int
}

func (k *heldKeeper) keep(r rejection, final func()) {
	k.kept = append(k.kept, r)
	k.finals = append(k.finals, final)
}

func (k *heldKeeper) flush() { k.flushes++ }

// testLedger is a ledger of one stream "s1" with Continue on errors, and what it prints.
func testLedger(k keeper) (*ledger, *route, *bytes.Buffer) {
	var out bytes.Buffer
	l := newLedger(protocol.NewWriter(&out), &Config{ContinueOnErrors: true}, 1, newStops())
	if k != nil {
		l.keeper = k
	}
	return l, &route{id: 0, name: "s1", descriptor: protocol.StreamDescriptor{Name: "s1"}}, &out
}

// streamStateOf is a STREAM state of s1, read through the protocol's reader.
func streamStateOf(t *testing.T, cursor int) *heldState {
	t.Helper()
	line := fmt.Sprintf(`{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"s1"},"stream_state":{"cursor":%d}}}}`, cursor)
	m, err := protocol.NewReader(strings.NewReader(line+"\n"), 0).Next()
	require.NoError(t, err)
	return &heldState{state: m.State}
}

func TestLedgerSettlesARejectionWhenItsKeeperSaysItIsFinal(t *testing.T) {
	tests := []struct {
		name       string
		keeper     *heldKeeper // nil: rejections are final at once
		wantEchoed bool        // before the keeper's final call
	}{
		{"without a keeper, a rejection is final at once", nil, true},
		{"with a keeper, the state waits for the kept record", &heldKeeper{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k keeper
			if tt.keeper != nil {
				k = tt.keeper
			}
			l, rt, out := testLedger(k)
			delivered, refused := l.record(0), l.record(0)
			l.settle([]item{{seq: delivered, stream: 0}})
			l.reject(rejection{route: rt, seq: refused, rule: "amount_integer", reason: `stream "s1" record 2: data.amount: amount_integer: must be an integer`})
			waiting := l.state(0, false, streamStateOf(t, 1))

			assert.Contains(t, out.String(), `Rejected stream \"s1\" record 2`, "counted and logged at once")
			_, _, rejected := l.totals()
			assert.Equal(t, int64(1), rejected)
			assert.Equal(t, tt.wantEchoed, strings.Contains(out.String(), `"type":"STATE"`))
			assert.Equal(t, !tt.wantEchoed, waiting)
			if tt.keeper == nil {
				return
			}
			require.Len(t, tt.keeper.kept, 1)
			assert.Equal(t, 1, tt.keeper.flushes, "a state waiting on a kept record flushes the keeper")
			tt.keeper.finals[0]()
			tt.keeper.finals[0]() // a second call changes nothing
			assert.Contains(t, out.String(), `"destinationStats":{"recordCount":1.0,"rejectedRecordCount":1.0}`)
			f, pending := l.outcome()
			assert.Nil(t, f)
			assert.Zero(t, pending)
		})
	}
}
