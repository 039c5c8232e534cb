package destination

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// leadAt adds a valid lead record of stream "leads" with the given id and time.
func (in *input) leadAt(id string, at time.Time) *input {
	fmt.Fprintf(&in.b, `{"type":"RECORD","record":{"stream":"leads","data":{"id":%q,"type":"lead_created","timestamp_ms":%d,"action_source":"other","data":{"type":"customer_action"}},"emitted_at":%d}}`+"\n",
		id, at.UnixMilli(), at.UnixMilli())
	return in
}

func TestWriteRejectsTheEventsTheAPINamesAndSendsTheRestOnce(t *testing.T) {
	api := newFake("px-default")
	api.Poison("l17", "l500", "l999")
	in := newInput()
	for i := 1; i <= 1000; i++ {
		in.lead("leads", fmt.Sprintf("l%d", i))
	}
	in.streamState("leads", 1)
	res := writeScenario(t, api, map[string]any{"continue_on_errors": true}, catalogOf("leads"), in.b.String())

	require.NoError(t, res.err)
	st := api.Stats()
	assert.LessOrEqual(t, st.Requests, int64(4), "each answer names one refused event: one request for each, and one for the rest")
	assert.Equal(t, int64(997), st.EventsAccepted)
	assert.Zero(t, st.Duplicates, "no event is delivered twice")
	ids := deliveredIDs(api)["px-default"]
	assert.Len(t, ids, 997)
	assert.NotContains(t, ids, "l17")
	assert.NotContains(t, ids, "l500")
	assert.NotContains(t, ids, "l999")
	require.Len(t, res.states, 1)
	d, r := res.stats(0)
	assert.Equal(t, [2]float64{997, 3}, [2]float64{d, r}, "the state counts the 997 delivered and the 3 rejected")
	logs := strings.Join(res.logs, "\n")
	for _, record := range []string{"17", "500", "999"} {
		assert.Contains(t, logs, `stream "leads" record `+record+`: poisoned_event: refused by the OpenAI API (HTTP 400, at id)`)
	}
	assert.Contains(t, logs, "(poisoned_event: 3)", "the summary counts the rejections by the API's code")
	assert.Contains(t, logs, "0 batch splits")
}

// invalidEvent is a 400 invalid_event answer naming events by errors[] entries
// ("events[i].field code").
func invalidEvent(entries ...string) cannedAnswer {
	var parts []string
	for _, e := range entries {
		param, code, _ := strings.Cut(e, " ")
		parts = append(parts, fmt.Sprintf(`{"message":"%s is invalid.","param":%q,"code":%q}`, param, param, code))
	}
	return cannedAnswer{400, `{"error":{"message":"Invalid event. See errors for details.","type":"invalid_request_error","param":null,"code":"invalid_event","errors":[` +
		strings.Join(parts, ",") + `]}}`}
}

// The fake API names one refused event per answer; the answers here (several events, an index
// the batch does not have, none) are scripted.
func TestWriteSettlesEveryAnswerNamingEvents(t *testing.T) {
	accepted := cannedAnswer{200, `{"accepted_events":1}`}
	tests := []struct {
		name      string
		replies   []cannedAnswer
		wantSent  [][]string // the ids of each request, in order
		delivered float64
		rejected  []string // rules in the logs, by record
	}{
		{name: "two events named in errors[]: the rest is sent once",
			replies:  []cannedAnswer{invalidEvent("events[1].data.type missing_event_data_type", "events[3].id invalid_event_id"), accepted},
			wantSent: [][]string{{"e0", "e1", "e2", "e3", "e4"}, {"e0", "e2", "e4"}}, delivered: 3,
			rejected: []string{`record 2: missing_event_data_type: refused by the OpenAI API (HTTP 400, at data.type): events[1].data.type is invalid.`,
				`record 4: invalid_event_id: refused by the OpenAI API (HTTP 400, at id)`}},
		{name: "the recorded 422 event_timestamp_too_old",
			replies: []cannedAnswer{{422, `{"error":{"message":"event_timestamp_ms must be within the last 7 days.","type":"invalid_request_error","param":"events[0].timestamp_ms","code":"event_timestamp_too_old",` +
				`"errors":[{"message":"event_timestamp_ms must be within the last 7 days.","param":"events[0].timestamp_ms","code":"event_timestamp_too_old"}]}}`}, accepted},
			wantSent: [][]string{{"e0", "e1", "e2", "e3", "e4"}, {"e1", "e2", "e3", "e4"}}, delivered: 4,
			rejected: []string{`record 1: event_timestamp_too_old: refused by the OpenAI API (HTTP 422, at timestamp_ms): event_timestamp_ms must be within the last 7 days.`}},
		{name: "every event named: nothing is sent again",
			replies:  []cannedAnswer{invalidEvent("events[0] a", "events[1] b", "events[2] c", "events[3] d", "events[4] e")},
			wantSent: [][]string{{"e0", "e1", "e2", "e3", "e4"}}, delivered: 0,
			rejected: []string{"record 1: a:", "record 5: e:"}},
		{name: "an event that is not in the batch: halved",
			replies:  []cannedAnswer{invalidEvent("events[7].id invalid_event"), accepted},
			wantSent: [][]string{{"e0", "e1", "e2", "e3", "e4"}, {"e0", "e1"}, {"e2", "e3", "e4"}}, delivered: 5},
		{name: "no event named: halved until the refused one is alone",
			replies: []cannedAnswer{{400, `{"error":{"message":"Bad batch."}}`}, accepted, {400, `{"error":{"message":"Bad batch."}}`},
				{400, `{"error":{"message":"Bad event.","code":"bad_event"}}`}, accepted},
			wantSent: [][]string{{"e0", "e1", "e2", "e3", "e4"}, {"e0", "e1"}, {"e2", "e3", "e4"}, {"e2"}, {"e3", "e4"}}, delivered: 4,
			rejected: []string{`record 3: bad_event: refused by the OpenAI API (HTTP 400): Bad event.`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &scriptedAnswers{answers: tt.replies}
				in := newInput()
				for i := range 5 {
					in.lead("leads", fmt.Sprintf("e%d", i))
				}
				in.globalState(1)
				res := writeInBubble(t, t.Context(), f, map[string]any{"max_in_flight": 1}, catalogOf("leads"), strings.NewReader(in.b.String()), nil)

				require.NoError(t, res.err, "traces: %v", res.traces)
				assert.Equal(t, tt.wantSent, f.requests())
				require.Len(t, res.states, 1)
				d, r := res.stats(0)
				assert.Equal(t, [2]float64{tt.delivered, float64(5) - tt.delivered}, [2]float64{d, r}, "delivered and rejected")
				logs := strings.Join(res.logs, "\n")
				for _, want := range tt.rejected {
					assert.Contains(t, logs, `Rejected stream "leads" `+want)
				}
			})
		})
	}
}

// TestWriteRejectsEventsThatAgeOutBeforeTheyAreSent: the first attempt fails with a 503 and
// the clock moves two minutes on; the retry leaves out the events that are now more than 7
// days old, and rejects them with the window rule.
func TestWriteRejectsEventsThatAgeOutBeforeTheyAreSent(t *testing.T) {
	tests := []struct {
		name     string
		aged     []bool // by record: its time is at the edge of the window, else recent
		requests int64
	}{
		{"one event ages out", []bool{true, false, false}, 2},
		{"every event ages out: nothing is sent again", []bool{true, true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				base := time.Now()
				edge := base.Add(-7*24*time.Hour + time.Minute) // inside the window at base, outside two minutes later
				api := newFake("px-default")
				api.Script(fakeapi.Fault{Kind: fakeapi.FaultUnavailable, Path: "/v1/events"})
				clock := func() time.Time {
					if api.Stats().Requests > 0 {
						return base.Add(2 * time.Minute)
					}
					return base
				}
				in := newInput()
				aged, recent := 0, []string{}
				for i, old := range tt.aged {
					id := fmt.Sprintf("e%d", i)
					if old {
						in.leadAt(id, edge)
						aged++
						continue
					}
					in.leadAt(id, base.Add(-time.Minute))
					recent = append(recent, id)
				}
				in.globalState(1)
				res := writeInBubble(t, t.Context(), api, nil, catalogOf("leads"), strings.NewReader(in.b.String()), clock)

				require.NoError(t, res.err, "traces: %v", res.traces)
				assert.Equal(t, tt.requests, api.Stats().Requests, "the 503, then the rest once (nothing when no event is left)")
				assert.ElementsMatch(t, recent, deliveredIDs(api)["px-default"], "an aged-out event is never sent again")
				require.Len(t, res.states, 1)
				d, r := res.stats(0)
				assert.Equal(t, [2]float64{float64(len(tt.aged) - aged), float64(aged)}, [2]float64{d, r})
				logs := strings.Join(res.logs, "\n")
				assert.Contains(t, logs, `Rejected stream "leads" record 1: timestamp_ms: timestamp_window: was more than 7 days in the past by the time it could be sent`)
				assert.Contains(t, logs, fmt.Sprintf("(timestamp_window: %d)", aged))
			})
		})
	}
}

func TestWindowProblem(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	nowMS := now.UnixMilli()
	tests := []struct {
		name   string
		at     time.Time
		inside bool
	}{
		{"now", now, true},
		{"exactly 7 days old", now.Add(-event.MaxAge), true},
		{"7 days and 1 ms old", now.Add(-event.MaxAge - time.Millisecond), false},
		{"exactly 10 minutes ahead", now.Add(event.MaxSkew), true},
		{"10 minutes and 1 ms ahead", now.Add(event.MaxSkew + time.Millisecond), false},
		{"the epoch", time.UnixMilli(0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.inside, windowProblem(tt.at.UnixMilli(), nowMS) == "")
		})
	}
}

func TestWriteNamesAnUnknownPixelAndTheStreamsRoutedToIt(t *testing.T) {
	api := newFake("px-default")
	in := newInput().lead("leads", "a").lead("orders", "b").lead("visits", "c").globalState(1)
	res := writeScenario(t, api, map[string]any{"max_in_flight": 1}, catalogOf("leads→px-gone", "orders→px-gone", "visits"), in.b.String())

	require.Error(t, res.err)
	require.Len(t, res.traces, 1)
	assert.Equal(t, protocol.ConfigError, res.traces[0].FailureType)
	msg := res.traces[0].Message
	assert.Contains(t, msg, `Pixel ID "px-gone" is unknown to OpenAI (HTTP 403: 403: unknown pid)`)
	assert.Contains(t, msg, `Streams routed to it: "leads", "orders".`)
	assert.NotContains(t, msg, "API key", "an unknown pixel is not a key problem")
	assert.Empty(t, res.states, "no state is echoed once the pixel is refused")
}
