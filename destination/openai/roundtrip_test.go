package openai

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// scriptedAnswer is one answer of a scriptedTransport: a status, headers and a body, or
// block to wait until the request's context is done (an attempt that times out).
type scriptedAnswer struct {
	status int
	header map[string]string
	body   string
	block  bool
}

// scriptedTransport is a fake http.RoundTripper that gives its answers in order, the last one
// again once they are used up, and records the requests it saw.
type scriptedTransport struct {
	mu       sync.Mutex
	answers  []scriptedAnswer
	requests []*http.Request
}

func (s *scriptedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.requests = append(s.requests, req)
	a := s.answers[min(len(s.requests), len(s.answers))-1]
	s.mu.Unlock()
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	if a.block {
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	h := http.Header{}
	for k, v := range a.header {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: a.status, Header: h, Body: io.NopCloser(strings.NewReader(a.body)), Request: req}, nil
}

// calls is how many requests the transport saw.
func (s *scriptedTransport) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// scriptedClient is a Client over a scriptedTransport with answers, and that transport.
func scriptedClient(now func() time.Time, answers ...scriptedAnswer) (*Client, *scriptedTransport) {
	tr := &scriptedTransport{answers: answers}
	c := NewClient(Options{Key: testKey, ConversionsBase: "http://conversions.test", AdsBase: "http://ads.test",
		HTTP: &http.Client{Transport: tr}, Version: "test", Now: now})
	return c, tr
}
