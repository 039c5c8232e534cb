package destination

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

func TestSameRequestAnswer(t *testing.T) {
	tooLarge := &openai.APIError{Endpoint: openai.EventsEndpoint, Status: http.StatusRequestEntityTooLarge, Message: "Request Entity Too Large"}
	vague := &openai.APIError{Endpoint: openai.EventsEndpoint, Status: http.StatusBadRequest, Message: "Bad request."}
	named := &openai.APIError{Endpoint: openai.EventsEndpoint, Status: http.StatusBadRequest, Message: "Invalid event at events[0].", Param: "events[0]"}
	rateLimited := &openai.APIError{Endpoint: openai.EventsEndpoint, Status: http.StatusTooManyRequests, Message: "Slow down."}
	tests := []struct {
		name string
		a, b error
		want *openai.APIError
	}{
		{"both halves 413", tooLarge, &openai.APIError{Endpoint: openai.EventsEndpoint, Status: 413, Message: "Request Entity Too Large"}, tooLarge},
		{"both halves the same 400 naming nothing", vague, &openai.APIError{Endpoint: openai.EventsEndpoint, Status: 400, Message: "Bad request."}, vague},
		{"different messages", vague, &openai.APIError{Endpoint: openai.EventsEndpoint, Status: 400, Message: "Other."}, nil},
		{"different statuses", tooLarge, vague, nil},
		{"one half delivered", vague, nil, nil},
		{"answers that name an event", named, named, nil},
		{"rate limits", rateLimited, rateLimited, nil},
		{"not API errors", errors.New("x"), errors.New("x"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sameRequestAnswer(tt.a, tt.b))
		})
	}
}

func TestRequestAnswerFailure(t *testing.T) {
	f := requestAnswerFailure(&openai.APIError{Endpoint: openai.EventsEndpoint, Status: 413, Message: "Request Entity Too Large"}, 1000)
	assert.Equal(t, protocol.ConfigError, f.kind, "a 413 says what to change")
	assert.Contains(t, f.message, "Lower Batch size")
	assert.Contains(t, f.message, "1000 events")

	f = requestAnswerFailure(&openai.APIError{Endpoint: openai.EventsEndpoint, Status: 400, Message: "Bad request."}, 8)
	assert.Equal(t, protocol.SystemError, f.kind)
	assert.Contains(t, f.message, "Bad request.", "the API's message")
}
