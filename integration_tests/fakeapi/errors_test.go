package fakeapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertRefusalShape checks a refusal against the real API's answers
// (reference §0.3): a refusal of an event names it in param ("events[i]")
// and in an errors[] entry with the full param and a code; any other refusal
// has no errors[].
func assertRefusalShape(t *testing.T, r reply) {
	t.Helper()
	e := r.envelope(t)
	d := r.detail(t)
	event, ok := eventParam(d.Param)
	if !ok {
		assert.Empty(t, e.Errors, "a refusal that names no event has no errors[]")
		return
	}
	require.Len(t, e.Errors, 1, "one errors[] entry names the field")
	assert.NotEmpty(t, d.Code, "the entry has a code")
	require.NotNil(t, e.Param)
	require.NotNil(t, e.Code)
	switch r.status {
	case http.StatusBadRequest:
		assert.Equal(t, "Invalid event at "+event+". See errors for details.", e.Message)
		assert.Equal(t, event, *e.Param)
		assert.Equal(t, "invalid_event", *e.Code)
	case http.StatusUnprocessableEntity:
		assert.Equal(t, d.Message, e.Message)
		assert.Equal(t, d.Param, *e.Param)
		assert.Equal(t, d.Code, *e.Code)
	default:
		t.Errorf("an event's refusal has status %d", r.status)
	}
}

// TestAnswersAreTheRecordedOnes compares whole bodies with the answers
// recorded from the real API (reference §0.3).
func TestAnswersAreTheRecordedOnes(t *testing.T) {
	f := newFake(t)
	tooOld := with(ev("old"), "timestamp_ms", t0.Add(-8*24*time.Hour).UnixMilli())
	noDataType := with(ev("bad"), "-data.type", nil)
	tests := []struct {
		name       string
		path, key  string
		body       []byte
		wantStatus int
		wantBody   string
	}{
		{"success", "/v1/events?pid=" + pixWeb, convKey, body(t, false, ev("ok")), 200,
			`{"accepted_events":1}`},
		{"unknown key", "/v1/events?pid=" + pixWeb, "sk-unknown", body(t, false, ev("ok")), 401,
			`{"error":{"message":"Unauthorized","type":"invalid_request_error","param":null,"code":null}}`},
		{"unknown pixel", "/v1/events?pid=pxl_nope", convKey, body(t, false, ev("ok")), 403,
			`{"error":{"message":"403: unknown pid","type":"server_error","param":null,"code":null}}`},
		{"no pixel", "/v1/events", convKey, body(t, false, ev("ok")), 400,
			`{"error":{"message":"[{'type': 'missing', 'loc': ('query', 'pid'), 'msg': 'Field required', 'input': None}]","type":"invalid_request_error","param":null,"code":null}}`},
		{"event too old", "/v1/events?pid=" + pixWeb, convKey, body(t, false, ev("ok"), tooOld), 422,
			`{"error":{"message":"event_timestamp_ms must be within the last 7 days.","type":"invalid_request_error","param":"events[1].timestamp_ms","code":"event_timestamp_too_old",` +
				`"errors":[{"message":"event_timestamp_ms must be within the last 7 days.","param":"events[1].timestamp_ms","code":"event_timestamp_too_old"}]}}`},
		{"invalid event", "/v1/events?pid=" + pixWeb, convKey, body(t, false, ev("ok"), noDataType), 400,
			`{"error":{"message":"Invalid event at events[1]. See errors for details.","type":"invalid_request_error","param":"events[1]","code":"invalid_event",` +
				`"errors":[{"message":"Missing required field: events[1].data.type","param":"events[1].data.type","code":"invalid_value"}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.mustDo(t, http.MethodPost, tt.path, tt.key, tt.body)
			assert.Equal(t, tt.wantStatus, r.status)
			assert.JSONEq(t, tt.wantBody, string(r.body))
		})
	}
}

func TestIntegrationSource(t *testing.T) {
	tests := []struct {
		name   string
		value  any
		wantOK bool
	}{
		{"a connector's name", "airbyte-destination-openai-ads-conversions", true},
		{"dots and underscores", "a.b_c-1", true},
		{"null", nil, true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"65 characters", strings.Repeat("a", 65), false},
		{"empty", "", false},
		{"leading hyphen", "-connector", false},
		{"a space", "my connector", false},
		{"a number", 12, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			b := withBodyField(t, body(t, false, ev("e")), "integration_source", tt.value)
			r := f.mustDo(t, http.MethodPost, "/v1/events?pid="+pixWeb, convKey, b)
			if tt.wantOK {
				assert.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
				return
			}
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.Equal(t, "integration_source", r.param())
			assertRefusalShape(t, r)
		})
	}
}

// withBodyField returns a body with one more top-level field.
func withBodyField(t *testing.T, b []byte, key string, v any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	m[key] = v
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}
