package openai

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPostEventsReportsAnswersThatDoNotConfirmTheBatch reads 2xx bodies and compares them
// with a batch of 3 events.
func TestPostEventsReportsAnswersThatDoNotConfirmTheBatch(t *testing.T) {
	tests := []struct {
		name, body string
		mismatch   string // "" when the answer confirms the batch or says nothing
	}{
		{name: "every event accepted", body: `{"accepted_events":3}`},
		{name: "an empty body", body: ``},
		{name: "a body that is not JSON", body: `OK`},
		{name: "another shape", body: `{"status":"ok"}`},
		{name: "none accepted", body: `{"accepted_events":0}`, mismatch: "accepted_events is 0 for a batch of 3"},
		{name: "more accepted", body: `{"accepted_events":4}`, mismatch: "accepted_events is 4 for a batch of 3"},
		{name: "an error envelope", body: `{"error":{"message":"Try again later.","type":"server_error"}}`, mismatch: "its body is an error: Try again later."},
		{name: "an error envelope with the key", body: `{"error":{"message":"bad key ` + testKey + `"}}`, mismatch: "its body is an error: bad key [redacted]"},
		{name: "a null error", body: `{"accepted_events":3,"error":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("x-request-id", "req_123")
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c := NewClient(Options{Key: testKey, ConversionsBase: srv.URL, HTTP: srv.Client(), Version: "test"})
			res, err := c.PostEvents(t.Context(), "p", []byte(`{"events":[]}`))
			require.NoError(t, err, "a 2xx is a success")
			assert.Equal(t, tt.mismatch, res.Mismatch(3))
			assert.Equal(t, "req_123", res.RequestID)
		})
	}
}
