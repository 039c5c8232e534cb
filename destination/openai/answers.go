package openai

import (
	"net/http"
	"strconv"
	"strings"
)

// ErrorClass is what an error answer of the API means for the connector. The table of
// answers (answerTable) decides it; nothing else reads an answer's words.
type ErrorClass int

// The classes of error answers.
const (
	// ClassUnexpected is an answer no row of the table describes.
	ClassUnexpected ErrorClass = iota
	// ClassKeyRefused is a key the API does not accept: invalid, revoked or unknown.
	ClassKeyRefused
	// ClassMissingScopes is a valid key of the wrong kind: the API names the scope it lacks.
	ClassMissingScopes
	// ClassUnknownPixel is a pixel id the API does not know (or a request without one).
	ClassUnknownPixel
	// ClassEventsRefused is a refusal of the events the answer names (events[i]...).
	ClassEventsRefused
	// ClassBatchRefused is a refusal of the batch that names no event (or a body too large):
	// some event is at fault, but which is not said.
	ClassBatchRefused
	// ClassRequestRefused is a refusal of the request itself, naming a part of it that is not
	// an event (the events wrapper, validate_only): every batch would get it.
	ClassRequestRefused
	// ClassRateLimited is a 429.
	ClassRateLimited
	// ClassServerError is a failure on the API's side that may pass: 408, 5xx but 501.
	ClassServerError
)

var classNames = [...]string{"unexpected", "key_refused", "missing_scopes", "unknown_pixel",
	"events_refused", "batch_refused", "request_refused", "rate_limited", "server_error"}

// String returns the class's snake_case name.
func (c ErrorClass) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// answerRow is one kind of answer: where it was seen, and how to recognise it.
type answerRow struct {
	class  ErrorClass
	source string // the answer as recorded, and where (reference keys: RS2, FORUM-401, ...)
	match  func(e *APIError) bool
}

// answerTable classifies error answers; the first row that matches decides. Each row cites
// the answer it stands for (reference §0.3 records the real ones) or says it is our
// inference. Only these rows look at an answer's words.
var answerTable = []answerRow{
	{ClassMissingScopes, `401 "You have insufficient permissions for this operation. Missing scopes: ads.third_party_events.write." (FORUM-401, PAS-09, INTEG)`,
		func(e *APIError) bool { return authStatus(e.Status) && e.says("missing scope") }},
	{ClassUnknownPixel, `403 {"message":"403: unknown pid","type":"server_error","param":null,"code":null} (RS2 network.ts, a pixel id that does not exist)`,
		func(e *APIError) bool { return e.Status == http.StatusForbidden && e.says("unknown pid") }},
	{ClassKeyRefused, `401 {"message":"Unauthorized","type":"invalid_request_error"} (RS2 network.ts), and any other 401 (reference §16)`,
		func(e *APIError) bool { return e.Status == http.StatusUnauthorized }},
	{ClassEventsRefused, `400 invalid_event, param "events[1]", errors[].param "events[1].data.type"; 422 event_timestamp_too_old, param "events[0].timestamp_ms" (RS2 network.ts)`,
		func(e *APIError) bool { return badRequest(e.Status) && len(e.NamedEvents()) > 0 }},
	{ClassUnknownPixel, `400 "[{'type': 'missing', 'loc': ('query', 'pid'), 'msg': 'Field required', ...}]" (RS2 network.ts, no pid)`,
		func(e *APIError) bool { return badRequest(e.Status) && e.says("('query', 'pid')") }},
	{ClassUnknownPixel, `404 on the events endpoint, or a 400/403/404 whose param is "pid" or whose message says the pixel is unknown (inference: older pages and other senders)`,
		func(e *APIError) bool {
			return (e.Status == http.StatusNotFound && e.Endpoint == EventsEndpoint) ||
				((badRequest(e.Status) || e.Status == http.StatusForbidden || e.Status == http.StatusNotFound) && (e.Param == "pid" || e.saysPixelUnknown()))
		}},
	{ClassKeyRefused, `any other 403 (reference §16: "other 401/403: key invalid or revoked")`,
		func(e *APIError) bool { return e.Status == http.StatusForbidden }},
	{ClassRequestRefused, `400 "Missing required field: events", param "events" (PAS-09); any 400/422 whose param names no event`,
		func(e *APIError) bool { return badRequest(e.Status) && e.Param != "" }},
	{ClassBatchRefused, `400/422 naming nothing (reference §2: a batch fails whole, no index documented); 413 (inference)`,
		func(e *APIError) bool { return badRequest(e.Status) || e.Status == http.StatusRequestEntityTooLarge }},
	{ClassRateLimited, `429 (reference §4: undocumented, peers retry)`,
		func(e *APIError) bool { return e.Status == http.StatusTooManyRequests }},
	{ClassServerError, `503 "503: Authentication backend failure" (FORUM-503); 408 and 5xx but 501 (go-retryablehttp)`,
		func(e *APIError) bool {
			return e.Status == http.StatusRequestTimeout || (e.Status >= 500 && e.Status != http.StatusNotImplemented)
		}},
}

// EventsEndpoint is APIError.Endpoint for the Conversions API's events endpoint.
const EventsEndpoint = "POST /v1/events"

// Class classifies the answer with the table of answers.
func (e *APIError) Class() ErrorClass {
	for _, row := range answerTable {
		if row.match(e) {
			return row.class
		}
	}
	return ClassUnexpected
}

func authStatus(s int) bool { return s == http.StatusUnauthorized || s == http.StatusForbidden }
func badRequest(s int) bool { return s == http.StatusBadRequest || s == http.StatusUnprocessableEntity }

// says tells whether the answer's message contains words, ignoring case. For the table only.
func (e *APIError) says(words string) bool {
	return strings.Contains(strings.ToLower(e.Message), words)
}

// saysPixelUnknown tells whether the message speaks of the pixel (or pid) as unknown, not
// found or invalid. For the table only.
func (e *APIError) saysPixelUnknown() bool {
	m := strings.ToLower(e.Message)
	if !strings.Contains(m, "pixel") && !strings.Contains(m, "pid") {
		return false
	}
	for _, w := range []string{"unknown", "not found", "does not exist", "invalid"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// EventProblem is what an answer says about one event of the request it refused.
type EventProblem struct {
	Index   int    // the event's position in the request's events array
	Param   string // the field named, such as events[1].data.type
	Code    string // the API's machine code, such as missing_event_data_type; may be empty
	Message string
}

// NamedEvents lists the events an answer names in error.errors[].param and error.param
// (events[i] or events[i].field), once each: an entry of error.errors[] is preferred, as it
// names the field and the precise code; an entry without a code or message takes error's.
func (e *APIError) NamedEvents() []EventProblem {
	var out []EventProblem
	add := func(param, code, message string) {
		i, ok := eventIndex(param)
		if !ok {
			return
		}
		for _, p := range out {
			if p.Index == i {
				return
			}
		}
		if code == "" {
			code = e.Code
		}
		if message == "" {
			message = e.Message
		}
		out = append(out, EventProblem{Index: i, Param: param, Code: code, Message: message})
	}
	for _, d := range e.Details {
		add(d.Param, d.Code, d.Message)
	}
	add(e.Param, e.Code, e.Message)
	return out
}

// maxEventIndex bounds the indices read from an answer, far above a batch's 1,000 events.
const maxEventIndex = 1 << 20

// eventIndex reads i from "events[i]", "events[i].field" or "events[i][...]".
func eventIndex(param string) (int, bool) {
	rest, ok := strings.CutPrefix(param, "events[")
	if !ok {
		return 0, false
	}
	digits, after, ok := strings.Cut(rest, "]")
	if !ok || digits == "" || len(digits) > 7 || (after != "" && after[0] != '.' && after[0] != '[') {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || i > maxEventIndex || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	return i, true
}

// Field returns the field the problem's Param names, without the event's index in the
// request ("events[3].data.type" gives "data.type"; "events[3]" gives ""), or Param itself
// when it names no event.
func (p EventProblem) Field() string {
	if _, ok := eventIndex(p.Param); !ok {
		return p.Param
	}
	_, after, _ := strings.Cut(p.Param, "]")
	return strings.TrimPrefix(after, ".")
}
