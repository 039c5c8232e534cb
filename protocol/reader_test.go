package protocol

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readAll(t *testing.T, r *Reader) ([]*Message, []error) {
	t.Helper()
	var msgs []*Message
	var errs []error
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			return msgs, errs
		}
		if err != nil {
			var le *LineError
			require.ErrorAs(t, err, &le, "only line errors are expected")
			errs = append(errs, err)
			continue
		}
		msgs = append(msgs, m)
	}
}

func TestReaderAcceptsCRLFBlankLinesAndNoFinalNewline(t *testing.T) {
	in := "\r\n" +
		`{"type":"RECORD","record":{"stream":"s","data":{"a":1},"emitted_at":1}}` + "\r\n" +
		"   \n" +
		`{"type":"STATE","state":{"type":"GLOBAL","global":{"shared_state":{}},"id":3}}`
	msgs, errs := readAll(t, NewReader(strings.NewReader(in), 0))
	require.Empty(t, errs)
	require.Len(t, msgs, 2)
	assert.Equal(t, TypeRecord, msgs[0].Type)
	assert.JSONEq(t, `{"a":1}`, string(msgs[0].Record.Data))
	assert.Equal(t, StateGlobal, msgs[1].State.Type)
}

func TestReaderSkipsUnknownTypesAndKeepsKnownOnes(t *testing.T) {
	in := `{"type":"SOMETHING_NEW","something_new":{}}` + "\n" +
		`{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1,"stream_status":{"stream_descriptor":{"name":"s"},"status":"COMPLETE"}}}` + "\n" +
		`{"type":"RECORD","record":{"stream":"s","data":{},"emitted_at":1}}` + "\n"
	msgs, errs := readAll(t, NewReader(strings.NewReader(in), 0))
	require.Empty(t, errs)
	require.Len(t, msgs, 2)
	assert.Equal(t, TypeTrace, msgs[0].Type)
	assert.Equal(t, StreamComplete, msgs[0].Trace.StreamStatus.Status)
	assert.Equal(t, TypeRecord, msgs[1].Type)
}

func TestReaderReportsMalformedLinesByNumberWithoutContent(t *testing.T) {
	secret := "jane.doe@example.com"
	cases := map[string]string{
		"broken JSON":          `{"type":"RECORD","record":{"stream":"s","data":{"email":"` + secret + `"`,
		"record without data":  `{"type":"RECORD","record":{"stream":"` + secret + `"}}`,
		"wrong envelope type":  `{"type":"RECORD","record":{"stream":["` + secret + `"],"data":{},"emitted_at":1}}`,
		"no type":              `{"record":{"stream":"s","data":{"email":"` + secret + `"}}}`,
		"not an object":        `"` + secret + `"`,
		"bad state type":       `{"type":"STATE","state":{"type":"PER_ROW"}}`,
		"stream state no name": `{"type":"STATE","state":{"type":"STREAM","stream":{}}}`,
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			in := `{"type":"LOG","log":{"level":"INFO","message":"x"}}` + "\n" + bad + "\n" +
				`{"type":"RECORD","record":{"stream":"s","data":{},"emitted_at":1}}` + "\n"
			msgs, errs := readAll(t, NewReader(strings.NewReader(in), 0))
			require.Len(t, errs, 1)
			var le *LineError
			require.ErrorAs(t, errs[0], &le)
			assert.Equal(t, int64(2), le.Line)
			assert.Contains(t, errs[0].Error(), "input line 2")
			assert.NotContains(t, errs[0].Error(), secret)
			assert.Len(t, msgs, 2, "reading goes on after a bad line")
		})
	}
}

func TestReaderTakesLongLinesUpToTheMaximum(t *testing.T) {
	big := strings.Repeat("x", 3<<20) // larger than the bufio buffer
	line := `{"type":"RECORD","record":{"stream":"s","data":{"blob":"` + big + `"},"emitted_at":1}}`
	r := NewReader(strings.NewReader(line+"\n"+line+"\n"), len(line))
	msgs, errs := readAll(t, r)
	require.Empty(t, errs)
	require.Len(t, msgs, 2)
	assert.Len(t, msgs[1].Record.Data, len(big)+11)

	r = NewReader(strings.NewReader(line+"\n"+`{"type":"LOG","log":{"level":"INFO","message":"after"}}`+"\n"), len(line)-1)
	msgs, errs = readAll(t, r)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrLineTooLong)
	require.Len(t, msgs, 1, "the line after a too-long one is still read")
	assert.Equal(t, "after", msgs[0].Log.Message)
	assert.Equal(t, int64(2), r.Line())
}

func TestReaderDefaultMaximumIsAtLeast64MiB(t *testing.T) {
	assert.GreaterOrEqual(t, NewReader(strings.NewReader(""), 0).max, 64<<20)
}

func TestReaderKeepsLargeIntegersInRecordData(t *testing.T) {
	in := `{"type":"RECORD","record":{"stream":"s","data":{"id":123456789012345678901234567890},"emitted_at":1}}`
	msgs, errs := readAll(t, NewReader(strings.NewReader(in), 0))
	require.Empty(t, errs)
	assert.Equal(t, `{"id":123456789012345678901234567890}`, string(msgs[0].Record.Data))
}

// TestReaderNeverFailsOnAnUnusedEnvelopeField reads records whose emitted_at the destination
// cannot use: each is read, with emitted_at zero unless it is an integral number.
func TestReaderNeverFailsOnAnUnusedEnvelopeField(t *testing.T) {
	tests := []struct {
		name, emittedAt string
		want            Millis
	}{
		{name: "an integer", emittedAt: `1767225600000`, want: 1767225600000},
		{name: "an integral float", emittedAt: `1.7672256e12`, want: 1767225600000},
		{name: "out of range", emittedAt: `1e400`},
		{name: "a fraction", emittedAt: `1.5`},
		{name: "a string", emittedAt: `"yesterday"`},
		{name: "an object", emittedAt: `{"at":1}`},
		{name: "null", emittedAt: `null`},
	}
	for _, tt := range tests {
		for _, general := range []bool{false, true} { // another payload key makes the fast path give up
			extra := ""
			if general {
				extra = `,"state":null`
			}
			t.Run(fmt.Sprintf("%s general=%v", tt.name, general), func(t *testing.T) {
				in := `{"type":"RECORD","record":{"stream":"s","data":{"a":1},"emitted_at":` + tt.emittedAt + `}` + extra + `}`
				msgs, errs := readAll(t, NewReader(strings.NewReader(in), 0))
				require.Empty(t, errs)
				require.Len(t, msgs, 1)
				assert.Equal(t, tt.want, msgs[0].Record.EmittedAt)
				assert.Equal(t, `{"a":1}`, string(msgs[0].Record.Data))
			})
		}
	}
}

// TestReaderPassesDeepRecordsOn reads a record nested deeper than encoding/json goes: the
// record is read (its destination rejects it), the next line too. A state that deep is an
// error that says why; a LOG that deep is skipped.
func TestReaderPassesDeepRecordsOn(t *testing.T) {
	const depth = maxDepth + 50
	deep := strings.Repeat(`{"a":[`, depth/2) + `1` + strings.Repeat(`]}`, depth/2)
	record := `{"type":"RECORD","record":{"stream":"\u0073","data":` + deep + `,"meta":` + deep + `,"emitted_at":1}}` // an escaped name too
	state := `{"type":"STATE","state":{"type":"GLOBAL","global":` + deep + `}}`
	log := `{"type":"LOG","log":{"level":"INFO","message":"x","extra":` + deep + `}}`
	after := `{"type":"RECORD","record":{"stream":"s","data":{},"emitted_at":1}}`
	msgs, errs := readAll(t, NewReader(strings.NewReader(record+"\n"+log+"\n"+state+"\n"+after+"\n"), 0))
	require.Len(t, msgs, 2)
	assert.Equal(t, deep, string(msgs[0].Record.Data), "the deep record is read whole")
	assert.Equal(t, "s", msgs[0].Record.Stream)
	assert.Equal(t, `{}`, string(msgs[1].Record.Data))
	require.Len(t, errs, 1)
	var le *LineError
	require.ErrorAs(t, errs[0], &le)
	assert.Equal(t, int64(3), le.Line)
	assert.EqualError(t, errs[0], "input line 3: a STATE message nested more than 10000 levels deep, deeper than the connector reads")
}

// TestSkipDeepChecksTheJSON passes over values nested past maxDepth and refuses broken ones.
func TestSkipDeepChecksTheJSON(t *testing.T) {
	open, closeAll := strings.Repeat("[", maxDepth+5), strings.Repeat("]", maxDepth+5)
	tests := []struct {
		name, value string
		ok          bool
	}{
		{name: "arrays", value: open + closeAll, ok: true},
		{name: "objects and values", value: open + `{"k":"v\"","n":[-1.5e3,true,null,{}],"e":[]}` + closeAll, ok: true},
		{name: "mismatched brackets", value: open + "}" + closeAll[1:]},
		{name: "one bracket short", value: open + closeAll[1:]},
		{name: "a missing colon", value: open + `{"k" 1}` + closeAll},
		{name: "a trailing comma", value: open + `1,` + closeAll},
		{name: "a bad literal", value: open + `nul` + closeAll},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fastScanner{b: []byte(tt.value)}
			ok := s.skipValue(0)
			assert.Equal(t, tt.ok, ok && s.i == len(s.b))
		})
	}
}
