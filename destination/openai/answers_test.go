package openai

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/redact"
)

// answerOf parses a recorded answer as the client does.
func answerOf(endpoint string, status int, body string) *APIError {
	resp := &http.Response{StatusCode: status, Header: http.Header{}}
	return newAPIError(endpoint, resp, []byte(body), redact.Secret(testKey), time.Now())
}

// TestAnswerTable classifies every answer recorded from the real API (reference §0.3, §2)
// and the inferred ones the table has a row for.
func TestAnswerTable(t *testing.T) {
	const events, account = EventsEndpoint, "GET /v1/ad_account"
	cases := []struct {
		name     string
		endpoint string
		status   int
		body     string
		want     ErrorClass
		named    []EventProblem
	}{
		{name: "RS2 400 invalid_event", endpoint: events, status: 400,
			body: `{"error":{"message":"Invalid event at events[1]. See errors for details.","type":"invalid_request_error","param":"events[1]","code":"invalid_event",` +
				`"errors":[{"message":"events[1].data.type must be a supported data type.","param":"events[1].data.type","code":"missing_event_data_type"}]}}`,
			want:  ClassEventsRefused,
			named: []EventProblem{{Index: 1, Param: "events[1].data.type", Code: "missing_event_data_type", Message: "events[1].data.type must be a supported data type."}}},
		{name: "RS2 422 event_timestamp_too_old", endpoint: events, status: 422,
			body: `{"error":{"message":"event_timestamp_ms must be within the last 7 days.","type":"invalid_request_error","param":"events[0].timestamp_ms","code":"event_timestamp_too_old",` +
				`"errors":[{"message":"event_timestamp_ms must be within the last 7 days.","param":"events[0].timestamp_ms","code":"event_timestamp_too_old"}]}}`,
			want:  ClassEventsRefused,
			named: []EventProblem{{Index: 0, Param: "events[0].timestamp_ms", Code: "event_timestamp_too_old", Message: "event_timestamp_ms must be within the last 7 days."}}},
		{name: "RS2 401 Unauthorized", endpoint: events, status: 401,
			body: `{"error":{"message":"Unauthorized","type":"invalid_request_error","param":null,"code":null}}`, want: ClassKeyRefused},
		{name: "RS2 403 unknown pid", endpoint: events, status: 403,
			body: `{"error":{"message":"403: unknown pid","type":"server_error","param":null,"code":null}}`, want: ClassUnknownPixel},
		{name: "RS2 400 no pid", endpoint: events, status: 400,
			body: `{"error":{"message":"[{'type': 'missing', 'loc': ('query', 'pid'), 'msg': 'Field required', 'input': None}]","type":"invalid_request_error","param":null,"code":null}}`,
			want: ClassUnknownPixel},
		{name: "FORUM-401 missing scopes", endpoint: events, status: 401,
			body: `{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: ads.third_party_events.write. Check that you have the correct role.","type":"invalid_request_error","param":null,"code":null}}`,
			want: ClassMissingScopes},
		{name: "403 missing scopes", endpoint: account, status: 403, body: `{"error":{"message":"missing scope api.ads.read"}}`, want: ClassMissingScopes},
		{name: "FORUM-503 authentication backend failure", endpoint: events, status: 503,
			body: `{"error":{"message":"503: Authentication backend failure","type":"server_error","param":null,"code":null}}`, want: ClassServerError},
		{name: "PAS-09 400 missing events wrapper", endpoint: events, status: 400,
			body: `{"error":{"message":"Missing required field: events","type":"invalid_request_error","param":"events","code":null}}`, want: ClassRequestRefused},
		{name: "400 on validate_only", endpoint: events, status: 400,
			body: `{"error":{"message":"Invalid type for 'validate_only'.","param":"validate_only"}}`, want: ClassRequestRefused},
		{name: "400 naming nothing", endpoint: events, status: 400, body: `{"error":{"message":"Bad request."}}`, want: ClassBatchRefused},
		{name: "422 with no body", endpoint: events, status: 422, want: ClassBatchRefused},
		{name: "413 body too large", endpoint: events, status: 413, body: `{"error":{"message":"Request body too large."}}`, want: ClassBatchRefused},
		{name: "errors[] naming three events", endpoint: events, status: 400,
			body: `{"error":{"message":"Invalid events.","param":null,"code":"invalid_event","errors":[` +
				`{"message":"m7","param":"events[7].id","code":"missing_event_id"},{"message":"m2","param":"events[2]"},{"message":"m7 again","param":"events[7].type","code":"x"},` +
				`{"message":"m900","param":"events[900].user.emails_sha256[0]","code":"invalid_hash"}]}}`,
			want: ClassEventsRefused,
			named: []EventProblem{{Index: 7, Param: "events[7].id", Code: "missing_event_id", Message: "m7"},
				{Index: 2, Param: "events[2]", Code: "invalid_event", Message: "m2"},
				{Index: 900, Param: "events[900].user.emails_sha256[0]", Code: "invalid_hash", Message: "m900"}}},
		{name: "events named in error.param only", endpoint: events, status: 400,
			body:  `{"error":{"message":"Invalid value for 'events[3].type'.","param":"events[3].type","code":null}}`,
			want:  ClassEventsRefused,
			named: []EventProblem{{Index: 3, Param: "events[3].type", Message: "Invalid value for 'events[3].type'."}}},
		{name: "an event's refusal that speaks of the pixel is about the event", endpoint: events, status: 400,
			body:  `{"error":{"message":"Invalid pixel reference in events[0].oppref.","param":"events[0].oppref"}}`,
			want:  ClassEventsRefused,
			named: []EventProblem{{Index: 0, Param: "events[0].oppref", Message: "Invalid pixel reference in events[0].oppref."}}},
		{name: "a malformed index names no event", endpoint: events, status: 400,
			body: `{"error":{"message":"x","param":"events[01].id"}}`, want: ClassRequestRefused},
		{name: "404 on the events endpoint", endpoint: events, status: 404, body: `{"error":{"message":"Not found."}}`, want: ClassUnknownPixel},
		{name: "404 on the ad account", endpoint: account, status: 404, body: `{"error":{"message":"Not found."}}`, want: ClassUnexpected},
		{name: "400 param pid", endpoint: events, status: 400, body: `{"error":{"message":"Invalid pixel id","param":"pid"}}`, want: ClassUnknownPixel},
		{name: "404 pixel not found", endpoint: events, status: 404, body: `{"error":{"message":"Pixel not found: 'p'.","param":"pid"}}`, want: ClassUnknownPixel},
		{name: "403 forbidden", endpoint: account, status: 403, body: `{"error":{"message":"Forbidden."}}`, want: ClassKeyRefused},
		{name: "401 incorrect key", endpoint: events, status: 401, body: `{"error":{"message":"Incorrect API key provided.","code":"invalid_api_key"}}`, want: ClassKeyRefused},
		{name: "405", endpoint: events, status: 405, want: ClassUnexpected},
		{name: "408", endpoint: events, status: 408, want: ClassServerError},
		{name: "429", endpoint: events, status: 429, body: `{"error":{"message":"Rate limit reached.","code":"rate_limit_exceeded"}}`, want: ClassRateLimited},
		{name: "500", endpoint: events, status: 500, want: ClassServerError},
		{name: "501", endpoint: events, status: 501, want: ClassUnexpected},
		{name: "502 with an HTML page", endpoint: events, status: 502, body: "<html>502 Bad Gateway</html>", want: ClassServerError},
		{name: "504", endpoint: events, status: 504, want: ClassServerError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := answerOf(c.endpoint, c.status, c.body)
			assert.Equal(t, c.want, e.Class(), "class")
			assert.Equal(t, c.named, e.NamedEvents(), "named events")
			retryable := c.want == ClassRateLimited || c.want == ClassServerError
			assert.Equal(t, retryable, e.Retryable(), "Retryable")
			assert.Equal(t, retryable, Retryable(t.Context(), fmt.Errorf("post batch 3: %w", e)), "Retryable(ctx, wrapped)")
		})
	}
}

// TestAnswerTableRowsCiteTheirSource keeps the table honest: every row says where its answer
// comes from.
func TestAnswerTableRowsCiteTheirSource(t *testing.T) {
	for _, row := range answerTable {
		assert.Regexp(t, `\(.*(RS2|FORUM|PAS|INTEG|reference|inference|retryablehttp).*\)`, row.source, "row %s", row.class)
	}
}

func TestEventIndex(t *testing.T) {
	cases := []struct {
		param string
		index int
		ok    bool
	}{
		{"events[0]", 0, true},
		{"events[1].data.type", 1, true},
		{"events[999].data.contents[2].amount", 999, true},
		{"events[12][0]", 12, true},
		{"events", 0, false},
		{"events[]", 0, false},
		{"events[-1]", 0, false},
		{"events[01]", 0, false},
		{"events[1x]", 0, false},
		{"events[1]x", 0, false},
		{"events[99999999]", 0, false},
		{"pid", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		t.Run(c.param, func(t *testing.T) {
			i, ok := eventIndex(c.param)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.index, i)
		})
	}
}

func TestEventProblemField(t *testing.T) {
	cases := map[string]string{
		"events[3].data.type": "data.type",
		"events[3]":           "",
		"events[3][1]":        "[1]",
		"pid":                 "pid",
		"":                    "",
	}
	for param, want := range cases {
		assert.Equal(t, want, EventProblem{Param: param}.Field(), "param %q", param)
	}
}

// FuzzAPIError: whatever a server answers, parsing and classifying it never panics, never
// keeps the key, and names only events at indices a batch could have.
func FuzzAPIError(f *testing.F) {
	f.Add(400, `{"error":{"message":"Invalid event at events[1]. See errors for details.","type":"invalid_request_error","param":"events[1]","code":"invalid_event","errors":[{"message":"m","param":"events[1].data.type","code":"missing_event_data_type"}]}}`)
	f.Add(422, `{"error":{"message":"event_timestamp_ms must be within the last 7 days.","param":"events[0].timestamp_ms","code":"event_timestamp_too_old","errors":[{"param":"events[0].timestamp_ms"}]}}`)
	f.Add(403, `{"error":{"message":"403: unknown pid","type":"server_error","param":null,"code":null}}`)
	f.Add(401, `{"error":{"message":"Bearer `+testKey+` is not valid","errors":[{"message":"`+testKey+`","param":"events[2]","code":7}]}}`)
	f.Add(400, `{"error":{"errors":[{"param":"events[999999999999]"},{"param":"events[3"}],"message":"x"}}`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := answerOf(EventsEndpoint, status, body)
		_ = e.Class()
		_ = e.Retryable()
		for _, p := range e.NamedEvents() {
			if p.Index < 0 || p.Index > maxEventIndex {
				t.Fatalf("index %d out of range", p.Index)
			}
		}
		all := e.Error()
		for _, d := range e.Details {
			all += d.Message + d.Param + d.Code
		}
		if strings.Contains(all, testKey) {
			t.Fatalf("the key survived parsing: %q", all)
		}
	})
}
