package fakeapi

import (
	"bytes"
	"io"
	"net/http"
)

// Request is one API request as the fake received it, recorded when Options.KeepRequests
// is set.
type Request struct {
	Method        string // GET, POST
	Path          string // such as /v1/events
	Query         string // the raw query, such as pid=p1
	Authorization string // the header as sent
	ContentType   string
	Body          []byte
}

// record keeps r for Requests, reading its body and putting it back for the handlers.
func (a *API) record(r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, a.opts.MaxBodyBytes+1)) // a short read shows in the body checks
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: body}
	a.mu.Lock()
	a.received = append(a.received, req)
	a.mu.Unlock()
}

// Requests returns a copy of every API request received, in arrival order, or nil unless
// Options.KeepRequests is set. Body slices are shared and must not be modified.
func (a *API) Requests() []Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Request(nil), a.received...)
}
