package protocol

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStateReadsScope(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		typ    StateType
		stream StreamDescriptor
	}{
		{"stream", `{"type":"STREAM","stream":{"stream_descriptor":{"name":"orders","namespace":"shop"},"stream_state":{"c":1}},"id":7}`, StateStream, StreamDescriptor{Name: "orders", Namespace: "shop"}},
		{"global", `{"type":"GLOBAL","global":{"shared_state":{},"stream_states":[]},"id":8}`, StateGlobal, StreamDescriptor{}},
		{"legacy by default", `{"data":{"cursor":"x"}}`, StateLegacy, StreamDescriptor{}},
		{"legacy", `{"type":"LEGACY","data":{"cursor":"x"}}`, StateLegacy, StreamDescriptor{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s State
			require.NoError(t, json.Unmarshal([]byte(c.in), &s))
			assert.Equal(t, c.typ, s.Type)
			assert.Equal(t, c.stream, s.Stream)
			assert.Equal(t, c.in, string(s.Raw()))
		})
	}
}

func TestStateWithStatsKeepsEveryFieldAndAddsStats(t *testing.T) {
	in := `{"type":"STREAM","stream":{"stream_descriptor":{"name":"conversions"},"stream_state":{"cursor":"2026-01-01"}},"sourceStats":{"recordCount":3.0},"id":7,"unknown_key":[1,{"a":null}]}`
	var s State
	require.NoError(t, json.Unmarshal([]byte(in), &s))
	out, err := s.WithStats(Stats{RecordCount: 2, RejectedRecordCount: 1})
	require.NoError(t, err)
	want := `{"type":"STREAM","stream":{"stream_descriptor":{"name":"conversions"},"stream_state":{"cursor":"2026-01-01"}},"sourceStats":{"recordCount":3.0},"id":7,"unknown_key":[1,{"a":null}],"destinationStats":{"recordCount":2.0,"rejectedRecordCount":1.0}}`
	assert.Equal(t, want, string(out.Raw()))
	assert.Equal(t, in, string(s.Raw()), "the original is untouched")
}

func TestStateWithStatsReplacesExistingStats(t *testing.T) {
	for _, in := range []string{
		`{"destinationStats":{"recordCount":9.0},"type":"GLOBAL","id":1}`,
		`{"type":"GLOBAL","destinationStats":{"recordCount":9.0},"id":1}`,
		`{"type":"GLOBAL","id":1,"destinationStats":{"recordCount":9.0}}`,
		`{ "type" : "GLOBAL" , "id" : 1 , "destinationStats" : { "recordCount" : 9.0 } }`,
	} {
		var s State
		require.NoError(t, json.Unmarshal([]byte(in), &s))
		out, err := s.WithStats(Stats{RecordCount: 4})
		require.NoError(t, err)
		var got map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(out.Raw(), &got), string(out.Raw()))
		assert.Len(t, got, 3)
		assert.Equal(t, `{"recordCount":4.0}`, string(got["destinationStats"]))
		assert.Equal(t, `1`, string(got["id"]))
	}
}

func TestStatsAreWrittenWithADecimalPoint(t *testing.T) {
	b, err := json.Marshal(Stats{RecordCount: 1000000, RejectedRecordCount: 3})
	require.NoError(t, err)
	assert.Equal(t, `{"recordCount":1000000.0,"rejectedRecordCount":3.0}`, string(b))
	b, err = json.Marshal(Stats{})
	require.NoError(t, err)
	assert.Equal(t, `{"recordCount":0.0}`, string(b), "rejectedRecordCount is left out when zero")
}
