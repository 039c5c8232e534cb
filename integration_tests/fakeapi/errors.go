package fakeapi

import (
	"encoding/json"
	"net/http"
	"strings"
)

// apiError is one refusal, written as OpenAI's error envelope
// {"error":{"message","type","param","code"}} (empty param and code written
// as null). A refusal whose param names an event (events[i]...) is written
// as the real API's answers of reference §0.3, with an errors[] entry naming
// the field: see writeError.
type apiError struct {
	status  int
	message string
	typ     string
	param   string
	code    string
	// poisoned marks a refusal caused by API.Poison, counted as FaultPoison.
	poisoned bool
}

// Error implements error so validation code can return an *apiError.
func (e *apiError) Error() string { return e.message }

// envelope is the wire form of an error response.
type envelope struct {
	Error envelopeBody `json:"error"`
}

type envelopeBody struct {
	Message string        `json:"message"`
	Type    string        `json:"type"`
	Param   *string       `json:"param"`
	Code    *string       `json:"code"`
	Errors  []errorDetail `json:"errors,omitempty"`
}

// errorDetail is one entry of error.errors[]: the field, its message and a machine code.
type errorDetail struct {
	Message string `json:"message"`
	Param   string `json:"param"`
	Code    string `json:"code"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Codes of event refusals. codeInvalidEvent and codeTimestampTooOld are the
// real API's (reference §0.3); the others are this package's.
const (
	codeInvalidEvent    = "invalid_event"
	codeTimestampTooOld = "event_timestamp_too_old"
	codeTimestampTooNew = "event_timestamp_too_new"
	codeInvalidValue    = "invalid_value"
	codePoisoned        = "poisoned_event"
)

// invalid builds a 400 invalid_request_error naming param.
func invalid(param, message string) *apiError {
	return &apiError{status: http.StatusBadRequest, message: message, typ: "invalid_request_error", param: param}
}

// outsideWindow builds the 422 of an event outside the 7-day / 10-minute
// window, as the real API answers an event too old (reference §0.3):
// {"message":"event_timestamp_ms must be within the last 7 days.",
// "param":"events[0].timestamp_ms","code":"event_timestamp_too_old",...}.
func outsideWindow(param string, tooOld bool) *apiError {
	if tooOld {
		return &apiError{status: http.StatusUnprocessableEntity, typ: "invalid_request_error", param: param,
			code: codeTimestampTooOld, message: "event_timestamp_ms must be within the last 7 days."}
	}
	return &apiError{status: http.StatusUnprocessableEntity, typ: "invalid_request_error", param: param,
		code: codeTimestampTooNew, message: "event_timestamp_ms must be at most 10 minutes in the future."}
}

// writeError writes e as a JSON envelope with its status. A refusal of an
// event (param events[i]...) takes the real API's shape (reference §0.3): a
// 400 says "Invalid event at events[i]. See errors for details." with param
// "events[i]" and code invalid_event, and lists e in errors[] with its full
// param and its own code; a 422 (the time window) is e itself, listed again
// in errors[].
func writeError(w http.ResponseWriter, e *apiError) {
	body := envelopeBody{Message: e.message, Type: e.typ, Param: nullable(e.param), Code: nullable(e.code)}
	if event, ok := eventParam(e.param); ok {
		code := e.code
		switch {
		case code != "":
		case e.poisoned:
			code = codePoisoned
		default:
			code = codeInvalidValue
		}
		body.Errors = []errorDetail{{Message: e.message, Param: e.param, Code: code}}
		body.Code = nullable(code)
		if e.status == http.StatusBadRequest {
			body.Message = "Invalid event at " + event + ". See errors for details."
			body.Param, body.Code = nullable(event), nullable(codeInvalidEvent)
		}
	}
	writeJSON(w, e.status, envelope{Error: body})
}

// eventParam returns "events[i]" when param names event i or one of its fields.
func eventParam(param string) (string, bool) {
	rest, ok := strings.CutPrefix(param, "events[")
	if !ok {
		return "", false
	}
	digits, _, ok := strings.Cut(rest, "]")
	if !ok || digits == "" {
		return "", false
	}
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return "events[" + digits + "]", true
}

// writeJSON writes v with status and a JSON content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// checkIntegrationSource refuses an integration_source that is not a string
// matching ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ (reference §0.2); null reads
// as absent.
func checkIntegrationSource(s []byte, present bool, err error) error {
	const param = "integration_source"
	if err != nil || !present {
		return at(err, param)
	}
	ok := len(s) >= 1 && len(s) <= 64 && isAlnum(s[0])
	for _, c := range s {
		ok = ok && (isAlnum(c) || c == '.' || c == '_' || c == '-')
	}
	if !ok {
		return invalid(param, "Invalid value for 'integration_source': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
	}
	return nil
}
