package destination

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// record adds a RECORD of stream whose data is the given JSON.
func (in *input) record(stream, data string) *input {
	fmt.Fprintf(&in.b, `{"type":"RECORD","record":{"stream":%q,"data":%s,"emitted_at":%d}}`+"\n", stream, data, in.now)
	return in
}

// logsAt returns the messages of the LOG lines of one level.
func (r *writeResult) logsAt(t *testing.T, level protocol.Level) []string {
	t.Helper()
	var out []string
	for _, line := range r.lines {
		var m protocol.Message
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		if m.Type == protocol.TypeLog && m.Log.Level == level {
			out = append(out, m.Log.Message)
		}
	}
	return out
}

// lineWith returns the one message of lines that starts with prefix.
func lineWith(t *testing.T, lines []string, prefix string) string {
	t.Helper()
	var found []string
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			found = append(found, l)
		}
	}
	require.Len(t, found, 1, "one line starting with %q in %q", prefix, lines)
	return found[0]
}

func TestWriteSummaryWarnsAndCountsRejectionsByRule(t *testing.T) {
	const secretEmail = "Person.Secret@Example.com"
	in := newInput()
	now := in.now
	old := time.UnixMilli(now).Add(-8 * 24 * time.Hour).UnixMilli()
	for range 4 { // timestamp_window
		in.record("leads", fmt.Sprintf(`{"type":"lead_created","timestamp_ms":%d,"user":{"email":"`+secretEmail+`"}}`, old))
	}
	for range 3 {
		in.record("leads", fmt.Sprintf(`{"type":"lead_creatd","timestamp_ms":%d}`, now)) // type_supported x3
	}
	for range 2 {
		in.record("leads", fmt.Sprintf(`{"type":"custom","timestamp_ms":%d}`, now)) // custom_event_name_required x2
	}
	in.record("leads", fmt.Sprintf(`{"type":"lead_created","timestamp_ms":%d,"action_source":"fax"}`, now))     // action_source_enum
	in.record("leads", fmt.Sprintf(`{"type":"lead_created","timestamp_ms":%d,"opt_out":"maybe"}`, now))         // opt_out_boolean
	in.record("leads", fmt.Sprintf(`{"type":"lead_created","timestamp_ms":%d,"user":7}`, now))                  // user_object
	in.record("leads", fmt.Sprintf(`{"type":"order_created","timestamp_ms":%d,"data":{"amount":"12.5"}}`, now)) // amount_integer
	in.lead("leads", "good1").lead("orders", "o1")
	in.streamState("leads", 1)

	res := writeScenario(t, newFake("px-default"), map[string]any{"continue_on_errors": true}, catalogOf("leads", "orders"), in.b.String())
	require.NoError(t, res.err)

	warns, infos := res.logsAt(t, protocol.LevelWarn), res.logsAt(t, protocol.LevelInfo)
	leads := lineWith(t, warns, `Stream "leads"`)
	assert.Equal(t, `Stream "leads" (pixel px-default): 14 received, 1 delivered, 13 rejected `+
		`(timestamp_window: 4, type_supported: 3, custom_event_name_required: 2, action_source_enum: 1, amount_integer: 1, 2 more rules: 2 records).`, leads)
	orders := lineWith(t, infos, `Stream "orders"`)
	assert.Equal(t, `Stream "orders" (pixel px-default): 1 received, 1 delivered, 0 rejected.`, orders, "a stream without rejections stays INFO")
	summary := lineWith(t, warns, "Summary:")
	assert.Contains(t, summary, "Summary: 15 records received, 2 delivered, 13 rejected (rejected records were not sent")
	for _, l := range append(warns, infos...) {
		assert.NotContains(t, l, "Secret", "no value is quoted")
		assert.NotContains(t, l, "lead_creatd", "no value is quoted")
	}
}

func TestWriteSummaryIsInfoAndSingularWithoutRejections(t *testing.T) {
	cfg := map[string]any{"batch_size": 1, "max_in_flight": 1}
	res := writeScenario(t, newFake("px-default"), cfg, catalogOf("leads"), newInput().lead("leads", "l1").streamState("leads", 1).b.String())
	require.NoError(t, res.err)
	assert.Empty(t, res.logsAt(t, protocol.LevelWarn))
	start := lineWith(t, res.logsAt(t, protocol.LevelInfo), "Writing ")
	assert.Contains(t, start, "in batches of up to 1 event, at most 1 request in flight.")
	summary := lineWith(t, res.logsAt(t, protocol.LevelInfo), "Summary:")
	assert.Contains(t, summary, "Summary: 1 record received, 1 delivered, 0 rejected; 1 request, 0 retries, 0 rate-limited (429), 0 batch splits;")
}

func TestWriteFailureForAnOldEventNamesBothRemedies(t *testing.T) {
	in := newInput()
	old := time.UnixMilli(in.now).Add(-8 * 24 * time.Hour).UnixMilli()
	in.record("leads", fmt.Sprintf(`{"type":"lead_created","timestamp_ms":%d}`, old))
	res := writeScenario(t, newFake("px-default"), map[string]any{"continue_on_errors": false}, catalogOf("leads"), in.b.String())
	require.Error(t, res.err)
	require.Len(t, res.traces, 1)
	msg := res.traces[0].Message
	assert.Contains(t, msg, "timestamp_window")
	assert.Contains(t, msg, "turn on Continue on errors")
	assert.Contains(t, msg, "filter the source to the last 7 days")
	assert.NotContains(t, msg, fmt.Sprint(old), "the value is not quoted")
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{0, "0 retries"}, {1, "1 retry"}, {2, "2 retries"}, {1000, "1000 retries"}} {
		assert.Equal(t, tc.want, plural(tc.n, "retry", "retries"))
	}
}

func TestSentence(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"the configured catalog names no stream", "The configured catalog names no stream."},
		{"Already one.", "Already one."},
		{"stream \"a\" has no pixel", "Stream \"a\" has no pixel."},
	} {
		assert.Equal(t, tc.want, sentence(tc.in))
	}
}
