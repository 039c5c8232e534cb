package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/redact"
)

// maxResponseBody caps how much of any response is read.
const maxResponseBody = 64 << 10

// Client calls the two OpenAI hosts: the Conversions API (events) and the Ads API (ad account,
// pixels). Each method makes exactly one attempt; retrying is the caller's choice. A Client is
// safe for concurrent use. The key goes only into the Authorization header.
type Client struct {
	http            *http.Client
	key             redact.Secret
	conversionsBase string
	adsBase         string
	userAgent       string
	now             func() time.Time
}

// NewHTTPClient returns the one HTTP client a command uses: explicit dial, TLS and idle
// timeouts, enough idle connections per host for maxConns requests in flight, and no
// redirects (a redirect would carry the key to another place).
func NewHTTPClient(maxConns int) *http.Client {
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          maxConns + 8,
		MaxIdleConnsPerHost:   maxConns + 4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Options are what a Client is built from.
type Options struct {
	Key             redact.Secret // the API key, sent only in the Authorization header
	ConversionsBase string        // the Conversions API's base URL, without a trailing slash
	AdsBase         string        // the Ads API's base URL, without a trailing slash
	HTTP            *http.Client  // the one HTTP client of the command (see NewHTTPClient)
	Version         string        // the connector's version, for the User-Agent
	// Now is the clock that reads Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// NewClient returns a Client built from o.
func NewClient(o Options) *Client {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Client{
		http:            o.HTTP,
		key:             o.Key,
		conversionsBase: o.ConversionsBase,
		adsBase:         o.AdsBase,
		userAgent:       "destination-openai-ads-conversions/" + o.Version,
		now:             now,
	}
}

// EventsResult is what a 2xx answer to POST /v1/events says, as far as it is known.
type EventsResult struct {
	// AcceptedEvents is the body's accepted_events; nil when the body has none.
	AcceptedEvents *int
	// ErrorMessage is the message of an error envelope that came with the 2xx status,
	// scrubbed and capped; empty when the body is not one.
	ErrorMessage string
	// RequestID is the answer's x-request-id, which OpenAI support asks for.
	RequestID string
}

// eventsBody is the body of a 2xx answer to POST /v1/events.
type eventsBody struct {
	AcceptedEvents *int            `json:"accepted_events"`
	Error          json.RawMessage `json:"error"`
}

// PostEvents sends one body of events to a pixel, once. body is sent as is, so a retry of the
// same body is byte-identical and the API can deduplicate it. A 2xx answer is a success
// whatever its body says (its semantics are undocumented); the result reports what the body
// said, for the caller to compare with what it sent.
func (c *Client) PostEvents(ctx context.Context, pixel string, body []byte) (EventsResult, error) {
	u := c.conversionsBase + "/v1/events?pid=" + url.QueryEscape(pixel)
	var out eventsBody
	resp, data, err := c.do(ctx, http.MethodPost, u, EventsEndpoint, body, &out)
	var shape *UnexpectedBodyError
	if errors.As(err, &shape) {
		err = nil // the 2xx body is undocumented: the events were accepted all the same
	}
	if err != nil {
		return EventsResult{}, err
	}
	res := EventsResult{AcceptedEvents: out.AcceptedEvents, RequestID: scrub(resp.Header.Get("x-request-id"), c.key)}
	if len(out.Error) > 0 && string(out.Error) != "null" {
		res.ErrorMessage = newAPIError(EventsEndpoint, resp, data, c.key, c.now()).Message
		if res.ErrorMessage == "" {
			res.ErrorMessage = "(an error without a message)"
		}
	}
	return res, nil
}

// Mismatch says how the answer disagrees with a batch of n events: its body is an error, or
// its accepted_events is not n. It returns "" when the answer confirms the batch or says
// nothing about it. The words quote no event.
func (r EventsResult) Mismatch(n int) string {
	switch {
	case r.ErrorMessage != "":
		return "its body is an error: " + r.ErrorMessage
	case r.AcceptedEvents != nil && *r.AcceptedEvents != n:
		return fmt.Sprintf("accepted_events is %d for a batch of %d", *r.AcceptedEvents, n)
	}
	return ""
}

// AdAccount is the ad account a key belongs to, as GET /v1/ad_account returns it.
type AdAccount struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	URL          string `json:"url"`
	Timezone     string `json:"timezone"`
	CurrencyCode string `json:"currency_code"`
}

// AdAccount reads the key's ad account, once.
func (c *Client) AdAccount(ctx context.Context) (AdAccount, error) {
	var a AdAccount
	_, _, err := c.do(ctx, http.MethodGet, c.adsBase+"/v1/ad_account", "GET /v1/ad_account", nil, &a)
	return a, err
}

// Pixel is one pixel of the ad account. PixelID is the value the events endpoint takes.
type Pixel struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PixelID    string `json:"pixel_id"`
	ClientType string `json:"client_type"`
}

// Pixels lists the ad account's pixels, following pages, at most 20 pages.
func (c *Client) Pixels(ctx context.Context) ([]Pixel, error) {
	var all []Pixel
	after := ""
	for page := 0; page < 20; page++ {
		u := c.adsBase + "/v1/conversions/pixels?limit=100"
		if after != "" {
			u += "&after=" + url.QueryEscape(after)
		}
		var list struct {
			Data    []Pixel `json:"data"`
			LastID  string  `json:"last_id"`
			HasMore bool    `json:"has_more"`
		}
		if _, _, err := c.do(ctx, http.MethodGet, u, "GET /v1/conversions/pixels", nil, &list); err != nil {
			return nil, err
		}
		all = append(all, list.Data...)
		if !list.HasMore || list.LastID == "" {
			break
		}
		after = list.LastID
	}
	return all, nil
}

// do makes one request and decodes a 2xx JSON answer into out. A non-2xx answer is an
// *APIError, no answer at all a *NetworkError. It returns the response (its body closed) and
// the body read, capped at maxResponseBody, when there was an answer.
func (c *Client) do(ctx context.Context, method, u, endpoint string, body []byte, out any) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: build request: %w", endpoint, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key.Reveal())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, &NetworkError{Endpoint: endpoint, Err: unwrapURLError(err, c.key)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody)) // let the connection be reused
	if err != nil {
		return resp, nil, &NetworkError{Endpoint: endpoint, Err: fmt.Errorf("read response: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, data, newAPIError(endpoint, resp, data, c.key, c.now())
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, data, &UnexpectedBodyError{Endpoint: endpoint, Status: resp.StatusCode}
		}
	}
	return resp, data, nil
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the URL, and keeps the
// cause, with its text scrubbed of the key (a proxy's or server's words could hold it) but
// its type still reachable with errors.As.
func unwrapURLError(err error, key redact.Secret) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &scrubbedError{msg: scrub(err.Error(), key), err: err}
}

// UnexpectedBodyError is a 2xx answer whose body is not the JSON expected: most likely the
// base URL points at something that is not the OpenAI API.
type UnexpectedBodyError struct {
	Endpoint string // what was called, such as "GET /v1/ad_account"
	Status   int
}

func (e *UnexpectedBodyError) Error() string {
	return fmt.Sprintf("%s: HTTP %d with a body that is not the expected JSON", e.Endpoint, e.Status)
}

// scrubbedError is an error whose text has had the key removed.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
