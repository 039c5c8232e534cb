package destination

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
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
			cfg := &Config{APIKey: testKey, ConversionsAPIBaseURL: srv.URL}
			res, err := NewClient(cfg, srv.Client(), "test").PostEvents(context.Background(), "p", []byte(`{"events":[]}`))
			require.NoError(t, err, "a 2xx is a success")
			assert.Equal(t, tt.mismatch, res.Mismatch(3))
			assert.Equal(t, "req_123", res.RequestID)
		})
	}
}

func TestConfirmationsLogAndCount(t *testing.T) {
	var out bytes.Buffer
	c := &confirmations{out: protocol.NewWriter(&out)}
	zero, three := 0, 3
	c.check("pxl_a", 3, EventsResult{AcceptedEvents: &three})
	for range maxUnconfirmedLogs + 5 {
		c.check("pxl_a", 3, EventsResult{AcceptedEvents: &zero, RequestID: "req_9"})
	}
	assert.Equal(t, int64(maxUnconfirmedLogs+5), c.count())
	assert.Equal(t, maxUnconfirmedLogs, strings.Count(out.String(), "\n"), "the first ones are logged one by one")
	assert.Contains(t, out.String(), `batch of 3 events for pixel \"pxl_a\" with success, but accepted_events is 0 for a batch of 3 (x-request-id req_9)`)
	assert.Contains(t, c.summary(), "25 success answers did not confirm every event")
	assert.Empty(t, (&confirmations{}).summary())
}

func TestConfirmationsInValidateOnlyTakeZeroForNotStored(t *testing.T) {
	var out bytes.Buffer
	c := &confirmations{out: protocol.NewWriter(&out), validateOnly: true}
	zero, two := 0, 2
	c.check("pxl_a", 3, EventsResult{AcceptedEvents: &zero})
	assert.Zero(t, c.count(), "0 may mean checked and not stored")
	c.check("pxl_a", 3, EventsResult{AcceptedEvents: &two})
	c.check("pxl_a", 3, EventsResult{ErrorMessage: "Try again."})
	assert.Equal(t, int64(2), c.count(), "another count, or an error body, is still reported")
}
