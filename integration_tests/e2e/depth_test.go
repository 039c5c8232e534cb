package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// deepJSON is a value nested depth levels deep: more than encoding/json reads when depth
// exceeds 10,000.
func deepJSON(depth int) string {
	return strings.Repeat(`{"a":[`, depth/2) + `1` + strings.Repeat(`]}`, depth/2)
}

// A record nested deeper than the reader's limit is a rejection of that record (rule
// json_depth), and a record whose unused emitted_at cannot be read (1e400) is delivered:
// neither fails the sync, as both used to ("invalid JSON", "emitted_at is not an integral
// number").
func TestWriteRejectsARecordNestedTooDeepAndIgnoresAnUnreadableEmittedAt(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	cfg["continue_on_errors"] = true
	in := newInput().records(s, 2)
	in.numbers[s.key()]++
	deep := &inRecord{stream: s, number: in.numbers[s.key()], typ: "deep", id: "deep-record", refused: true}
	in.addRecord(deep, deepJSON(10050))
	in.numbers[s.key()]++
	odd := &inRecord{stream: s, number: in.numbers[s.key()], typ: "page_viewed", id: "odd-emitted-at"}
	in.msgs = append(in.msgs, inMsg{record: odd, line: []byte(fmt.Sprintf(
		`{"type":"RECORD","record":{"stream":%q,"data":{"id":%q,"type":"page_viewed","timestamp_ms":%d,"action_source":"web","source_url":"https://shop.example.com/p"},"emitted_at":1e400}}`+"\n",
		s.name, odd.id, in.now))})
	in.records(s, 2).streamState(s)

	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)

	assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	assertExactlyOnce(t, f, in)
	if assert.Len(t, echoed, 1) {
		assert.Equal(t, [2]float64{5, 1}, [2]float64{echoed[0].recorded, echoed[0].rejected}, "5 delivered, the deep one rejected")
	}
	assert.True(t, containsAll(r.Logs("WARN"), `stream "conversions" record 3`, "json_depth"),
		"the deep record's rejection names its number and rule; warnings: %q", r.Logs("WARN"))
}

// A state nested deeper than the reader's limit fails the sync with a message that says so,
// after the records before it are delivered.
func TestWriteFailsClearlyOnAStateNestedTooDeep(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	in := newInput().records(s, 3).streamState(s)
	in.other(`{"type":"STATE","state":{"type":"GLOBAL","global":` + deepJSON(10050) + `}}`)

	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)

	assert.Equal(t, 1, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	assert.Len(t, echoed, 1, "the state before the deep one is echoed")
	_, msg := r.Failure(t)
	assert.Contains(t, msg, "input line 5: a STATE message nested more than 10000 levels deep")
}
