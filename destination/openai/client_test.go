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

// TestClientErrorTypes: each way an attempt can fail is its own type, which callers tell
// apart with errors.As.
func TestClientErrorTypes(t *testing.T) {
	t.Run("a 2xx body that is not the API's JSON", func(t *testing.T) {
		c, _ := scriptedClient(nil, scriptedAnswer{status: 200, body: "<html>a login page</html>"})
		_, err := c.AdAccount(t.Context())
		var shape *UnexpectedBodyError
		require.ErrorAs(t, err, &shape)
		assert.Equal(t, UnexpectedBodyError{Endpoint: "GET /v1/ad_account", Status: 200}, *shape)
		assert.False(t, Retryable(t.Context(), err))
	})
	t.Run("the same on the events endpoint is a success", func(t *testing.T) {
		c, _ := scriptedClient(nil, scriptedAnswer{status: 200, body: "<html>ok</html>"})
		_, err := c.PostEvents(t.Context(), "p", []byte(`{"events":[]}`))
		assert.NoError(t, err, "a 2xx accepts the events whatever its body")
	})
	t.Run("no answer", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close() // nothing listens any more
		c := NewClient(Options{Key: testKey, AdsBase: srv.URL, HTTP: srv.Client()})
		_, err := c.AdAccount(t.Context())
		var netErr *NetworkError
		require.ErrorAs(t, err, &netErr)
		assert.Equal(t, "GET /v1/ad_account", netErr.Endpoint)
		assert.NotContains(t, err.Error(), srv.URL, "the URL is not repeated")
		assert.True(t, Retryable(t.Context(), err), "a refused connection may pass")
		assert.False(t, Unreachable(err))
	})
	t.Run("the key is sent in the Authorization header only", func(t *testing.T) {
		c, tr := scriptedClient(nil, scriptedAnswer{status: 200, body: `{"data":[],"has_more":false}`})
		_, err := c.Pixels(t.Context())
		require.NoError(t, err)
		require.Equal(t, 1, tr.calls())
		req := tr.requests[0]
		assert.Equal(t, "Bearer "+testKey, req.Header.Get("Authorization"))
		assert.Equal(t, "destination-openai-ads-conversions/test", req.Header.Get("User-Agent"))
		assert.NotContains(t, req.URL.String(), testKey)
	})
}
