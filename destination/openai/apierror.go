package openai

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/redact"
)

// maxErrorMessage caps how much of a server's error message reaches logs and traces, and
// maxForeignBody how much of a body that is not the API's JSON error does.
const (
	maxErrorMessage = 300
	maxForeignBody  = 120
)

// APIError is a non-2xx answer from an OpenAI endpoint. Message is the server's error message,
// already stripped of the API key and capped in length, so an APIError is safe to show.
type APIError struct {
	Endpoint   string // what was called, such as "POST /v1/events" (no query, no key)
	Status     int
	Message    string
	Type       string
	Param      string
	Code       string
	RequestID  string        // the x-request-id header, which OpenAI support asks for
	RetryAfter time.Duration // from a Retry-After header; zero when absent
	// Details are the entries of error.errors[], each naming one field of the request
	// (such as events[1].data.type) with its own message and code. Most answers have none.
	Details []ErrorDetail
}

// ErrorDetail is one entry of an error answer's error.errors[] list, scrubbed and capped like
// APIError.Message.
type ErrorDetail struct {
	Message string
	Param   string
	Code    string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Endpoint, e.Status)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (x-request-id %s)", e.RequestID)
	}
	return b.String()
}

// Retryable tells whether the request may succeed if sent again: the table of answers
// classifies it as a rate limit or a server error.
func (e *APIError) Retryable() bool {
	c := e.Class()
	return c == ClassRateLimited || c == ClassServerError
}

// errorEnvelope is OpenAI's error body: {"error":{"message","type","param","code"}}. Some
// peers have also seen a bare string error or a top-level message.
type errorEnvelope struct {
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
}

type errorBody struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Param   json.RawMessage `json:"param"`
	Code    json.RawMessage `json:"code"`
	Errors  []errorEntry    `json:"errors"`
}

// errorEntry is one entry of error.errors[] (reference §0.3).
type errorEntry struct {
	Message string          `json:"message"`
	Param   json.RawMessage `json:"param"`
	Code    json.RawMessage `json:"code"`
}

// maxErrorDetails bounds how many entries of error.errors[] are kept: a batch has at most
// 1,000 events.
const maxErrorDetails = 1000

// bearerPattern finds bearer tokens a server might echo back.
var bearerPattern = regexp.MustCompile(`(?i)bearer\s+[^\s"',;]+`)

// newAPIError builds an APIError from a response and its (capped) body, removing key from
// everything it keeps.
func newAPIError(endpoint string, resp *http.Response, body []byte, key redact.Secret, now time.Time) *APIError {
	e := &APIError{
		Endpoint:   endpoint,
		Status:     resp.StatusCode,
		RequestID:  scrub(resp.Header.Get("x-request-id"), key),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
	var env errorEnvelope
	if json.Unmarshal(body, &env) == nil {
		var eb errorBody
		var s string
		switch {
		case json.Unmarshal(env.Error, &eb) == nil && eb.Message != "":
			e.Message, e.Type = eb.Message, eb.Type
			e.Param, e.Code = rawString(eb.Param), rawString(eb.Code)
			e.Details = errorDetails(eb.Errors, key)
		case json.Unmarshal(env.Error, &s) == nil && s != "":
			e.Message = s
		default:
			e.Message = env.Message
		}
	}
	if e.Message == "" && len(body) > 0 && !json.Valid(body) {
		// Not the API's JSON (a proxy's page, say): keep its first line only, scrubbed
		// whole before it is shortened, so that a cut cannot leave part of the key.
		first, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		e.Message = capText(scrub(strings.TrimSpace(first), key), maxForeignBody)
	}
	e.Message = capText(scrub(strings.TrimSpace(e.Message), key), maxErrorMessage)
	e.Type, e.Param, e.Code = scrub(e.Type, key), scrub(e.Param, key), scrub(e.Code, key)
	return e
}

// errorDetails keeps the entries of error.errors[], scrubbed of key and capped.
func errorDetails(entries []errorEntry, key redact.Secret) []ErrorDetail {
	if len(entries) == 0 {
		return nil
	}
	out := make([]ErrorDetail, 0, min(len(entries), maxErrorDetails))
	for _, en := range entries[:min(len(entries), maxErrorDetails)] {
		out = append(out, ErrorDetail{
			Message: capText(scrub(strings.TrimSpace(en.Message), key), maxErrorMessage),
			Param:   scrub(rawString(en.Param), key),
			Code:    scrub(rawString(en.Code), key),
		})
	}
	return out
}

// rawString reads a JSON string or number as text; null and anything else give "".
func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// scrub removes the key, every run of redact.MinRun or more of its characters, and
// any bearer token from a text that came from a server. It must run before the text is
// shortened: a cut through the key would leave a piece that no longer matches it whole.
func scrub(s string, key redact.Secret) string {
	s = redact.Text(s, key.Reveal())
	return bearerPattern.ReplaceAllString(s, "Bearer "+redact.Placeholder)
}

// capText shortens s to at most n bytes, on a rune boundary, and marks the cut with "…".
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// maxRetryAfter caps a server's Retry-After, so that a wrong header cannot stall a sync.
const maxRetryAfter = 5 * time.Minute

// parseRetryAfter reads a Retry-After header in seconds or as an HTTP date, capped.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(secs) {
		d = time.Duration(min(secs, maxRetryAfter.Seconds()) * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// Retryable tells whether err, from one attempt, may go away if the request is sent again:
// a retryable status, a network error or the attempt's own deadline. It is false once ctx,
// the caller's context, is done.
func Retryable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Retryable()
	}
	var netErr *NetworkError
	return errors.As(err, &netErr) && !Unreachable(err)
}

// Unreachable tells whether a network error will not go away by retrying: the host's name
// does not resolve, or its certificate is not trusted.
func Unreachable(err error) bool {
	var dnsErr *net.DNSError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return (errors.As(err, &dnsErr) && dnsErr.IsNotFound) ||
		errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// NetworkError is a request that got no HTTP answer: refused, reset, timed out.
type NetworkError struct {
	Endpoint string
	Err      error
}

func (e *NetworkError) Error() string { return e.Endpoint + ": " + e.Err.Error() }
func (e *NetworkError) Unwrap() error { return e.Err }
