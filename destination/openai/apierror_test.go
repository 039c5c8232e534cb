package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/redact"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 2 ", 2 * time.Second},
		{"0", 0},
		{"-3", 0},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
		{"Fri, 27 Nov 2026", 0},
		{"86400", maxRetryAfter},
		{now.Add(24 * time.Hour).Format(http.TimeFormat), maxRetryAfter},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, parseRetryAfter(c.header, now), "Retry-After %q", c.header)
	}
}

// TestParseRetryAfterCapsHugeSeconds: a number of seconds too large for a time.Duration must be
// capped like any other long wait, not overflow to a negative duration and become "no wait".
func TestParseRetryAfterCapsHugeSeconds(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	for _, header := range []string{"9300000000", "99999999999", "99999999999999999999999"} {
		assert.Equal(t, maxRetryAfter, parseRetryAfter(header, now), "Retry-After %q", header)
	}
}

func TestRetryableDecidesByErrorType(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	netErr := fmt.Errorf("attempt 2: %w", &NetworkError{Endpoint: "POST /v1/events", Err: errors.New("connection reset by peer")})
	assert.True(t, Retryable(t.Context(), netErr), "a network error is retried")
	assert.False(t, Retryable(cancelled, netErr), "nothing is retried once the caller's context is done")
	assert.False(t, Retryable(cancelled, &APIError{Status: 503}))
	assert.False(t, Retryable(t.Context(), nil))
	assert.False(t, Retryable(t.Context(), errors.New("HTTP 503: looks retryable but is not an APIError")), "text is never matched")
}

func TestAPIErrorFromResponse(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	key := redact.Secret(testKey)
	long := strings.Repeat("x", 1000)
	cases := []struct {
		name   string
		body   string
		header map[string]string
		want   APIError // Endpoint and Status are filled in
	}{
		{
			name:   "OpenAI envelope",
			body:   `{"error":{"message":"Invalid value for pid.","type":"invalid_request_error","param":"pid","code":"pixel_not_found"}}`,
			header: map[string]string{"x-request-id": "req_abc", "Retry-After": "3"},
			want:   APIError{Message: "Invalid value for pid.", Type: "invalid_request_error", Param: "pid", Code: "pixel_not_found", RequestID: "req_abc", RetryAfter: 3 * time.Second},
		},
		{
			name: "envelope with null param and numeric code",
			body: `{"error":{"message":"503: Authentication backend failure","type":"server_error","param":null,"code":1234}}`,
			want: APIError{Message: "503: Authentication backend failure", Type: "server_error", Code: "1234"},
		},
		{
			name: "string error",
			body: `{"error":"Missing required field: events"}`,
			want: APIError{Message: "Missing required field: events"},
		},
		{
			name: "top-level message",
			body: `{"message":"Not found"}`,
			want: APIError{Message: "Not found"},
		},
		{
			name: "not JSON",
			body: "  <html><body>502 Bad Gateway</body></html>\n",
			want: APIError{Message: "<html><body>502 Bad Gateway</body></html>"},
		},
		{
			name: "JSON without a message",
			body: `{"detail":"something"}`,
			want: APIError{},
		},
		{
			name: "empty body",
			want: APIError{},
		},
		{
			name:   "echoed key and bearer token",
			body:   `{"error":{"message":"invalid key Bearer ` + testKey + `, also ` + testKey + ` and bearer someone-elses-token","type":"` + testKey + `","param":"` + testKey + `","code":"` + testKey + `"}}`,
			header: map[string]string{"x-request-id": "Bearer " + testKey},
			want: APIError{
				Message: "invalid key Bearer [redacted], also [redacted] and Bearer [redacted]",
				Type:    "[redacted]", Param: "[redacted]", Code: "[redacted]", RequestID: "Bearer [redacted]",
			},
		},
		{
			name: "echoed Authorization header in a text body",
			body: "Authorization: Bearer " + testKey + "\r\n",
			want: APIError{Message: "Authorization: Bearer [redacted]"},
		},
		{
			name: "long message is capped",
			body: `{"error":{"message":"` + long + `"}}`,
			want: APIError{Message: long[:maxErrorMessage] + "…"},
		},
		{
			name: "key across the cap of a page that is not JSON is removed before cutting",
			body: "<html>" + strings.Repeat("x", 100) + testKey + "</html>",
			want: APIError{Message: "<html>" + strings.Repeat("x", 100) + "[redacted]</ht…"},
		},
		{
			name: "a piece of the key is removed",
			body: `{"error":{"message":"key ` + testKey[:14] + `... is not valid"}}`,
			want: APIError{Message: "key [redacted]... is not valid"},
		},
		{
			name: "key across the cap is removed before cutting",
			body: `{"error":{"message":"` + strings.Repeat("a", maxErrorMessage-5) + testKey + `"}}`,
			want: APIError{Message: strings.Repeat("a", maxErrorMessage-5) + "[reda…"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			for k, v := range c.header {
				rec.Header().Set(k, v)
			}
			rec.WriteHeader(http.StatusBadRequest)
			got := newAPIError("POST /v1/events", rec.Result(), []byte(c.body), key, now)
			want := c.want
			want.Endpoint, want.Status = "POST /v1/events", http.StatusBadRequest
			assert.Equal(t, want, *got)
			assert.NotContains(t, got.Error(), testKeyMark)
		})
	}
}

func TestAPIErrorText(t *testing.T) {
	e := &APIError{Endpoint: "POST /v1/events", Status: 404, Message: "Not found", RequestID: "req_1"}
	assert.Equal(t, "POST /v1/events: HTTP 404: Not found (x-request-id req_1)", e.Error())
	assert.Equal(t, "GET /v1/ad_account: HTTP 500", (&APIError{Endpoint: "GET /v1/ad_account", Status: 500}).Error())
}

func TestCapText(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exact", 5, "exact"},
		{"abcdef", 3, "abc…"},
		{"héllo", 2, "h…"},  // é is 2 bytes: cutting inside it backs off
		{"héllo", 3, "hé…"}, // the cut falls after é
		{"€€€", 4, "€…"},    // € is 3 bytes
		{"€€€", 5, "€…"},    // still inside the second €
		{"a😀b", 4, "a…"},    // inside the 4-byte emoji
		{"a😀b", 5, "a😀…"},   // right after it
		{"😀", 2, "…"},       // nothing whole fits
		{"abc", 0, "…"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, capText(c.in, c.n), "capText(%q, %d)", c.in, c.n)
	}
	mixed := "aé€😀b" + strings.Repeat("ü", 5)
	for n := 0; n <= len(mixed)+1; n++ {
		got := capText(mixed, n)
		assert.True(t, utf8.ValidString(got), "capText(%q, %d) = %q is not valid UTF-8", mixed, n, got)
		assert.LessOrEqual(t, len(strings.TrimSuffix(got, "…")), n, "capText(%q, %d) = %q keeps too much", mixed, n, got)
	}
}
