package protocol

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordLine is a RECORD line whose data holds a string of n bytes.
func recordLine(stream string, n int) string {
	return `{"type":"RECORD","record":{"stream":"` + stream + `","data":{"blob":"` + strings.Repeat("x", n) + `"},"emitted_at":1}}`
}

func TestReaderReadsLongLinesInPieces(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int // of each record's blob
		end   string
		final bool // the last line has its end
	}{
		{name: "just under a piece", sizes: []int{pieceBytes - 100}, end: "\n", final: true},
		{name: "just over a piece", sizes: []int{pieceBytes + 1}, end: "\n", final: true},
		{name: "several pieces, CRLF", sizes: []int{3*pieceBytes + 12345, 10, 2 * pieceBytes}, end: "\r\n", final: true},
		{name: "several pieces, no final newline", sizes: []int{5, 4*pieceBytes + 7}, end: "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in strings.Builder
			for i, n := range tt.sizes {
				in.WriteString(recordLine("s", n))
				if i < len(tt.sizes)-1 || tt.final {
					in.WriteString(tt.end)
				}
			}
			msgs, errs := readAll(t, NewReader(strings.NewReader(in.String()), 0))
			require.Empty(t, errs)
			require.Len(t, msgs, len(tt.sizes))
			for i, n := range tt.sizes {
				want := `{"blob":"` + strings.Repeat("x", n) + `"}`
				assert.True(t, bytes.Equal([]byte(want), msgs[i].Record.Data), "record %d's data is whole (%d bytes, want %d)", i, len(msgs[i].Record.Data), len(want))
			}
		})
	}
}

func TestReaderRefusesALineTooLongAcrossPiecesAndGoesOn(t *testing.T) {
	max := 3*pieceBytes + 10
	in := recordLine("s", max) + "\n" + recordLine("t", 2*pieceBytes) + "\n"
	msgs, errs := readAll(t, NewReader(strings.NewReader(in), max))
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrLineTooLong)
	require.Len(t, msgs, 1, "the next line is read")
	assert.Equal(t, "t", msgs[0].Record.Stream)
	assert.Len(t, msgs[0].Record.Data, 2*pieceBytes+len(`{"blob":""}`))
}

func TestALongRecordKeepsItsLineInsteadOfACopy(t *testing.T) {
	r := NewReader(strings.NewReader(recordLine("s", 2*pieceBytes)+"\n"+recordLine("s", 10)+"\n"), 0)
	long, err := r.Next()
	require.NoError(t, err)
	short, err := r.Next()
	require.NoError(t, err)
	assert.Greater(t, cap(long.Record.Data), len(long.Record.Data), "the data of a long line is part of the line")
	assert.Less(t, cap(short.Record.Data), len(`{"type":"RECORD","record":{"stream":"s","data":`), "the data of a short line is a copy of its own, not the reader's buffer")
}
