package fakeapi

import (
	"encoding/json"
	"net/http"
)

// apiError is one refusal, written as OpenAI's error envelope
// {"error":{"message","type","param","code"}}. Empty param and code are
// written as null.
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
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// invalid builds a 400 invalid_request_error naming param.
func invalid(param, message string) *apiError {
	return &apiError{status: http.StatusBadRequest, message: message, typ: "invalid_request_error", param: param}
}

// writeError writes e as a JSON envelope with its status.
func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, envelope{Error: envelopeBody{
		Message: e.message,
		Type:    e.typ,
		Param:   nullable(e.param),
		Code:    nullable(e.code),
	}})
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
