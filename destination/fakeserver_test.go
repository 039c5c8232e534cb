package destination

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeReply is one scripted answer of a fakeServer. In Body and in header values, "$AUTH" is
// replaced by the request's Authorization header and "$KEY" by the bare key the request
// carried, so that a reply can echo the credentials back as a careless server would.
type fakeReply struct {
	Status int
	Body   string
	Header map[string]string
}

// fakeRequest is what a fakeServer recorded of one request.
type fakeRequest struct {
	Route       string // "GET /v1/ad_account", "POST /v1/events"
	URL         string // path and query as received
	Query       string
	Auth        string
	ContentType string
	Body        []byte
}

// fakeServer is a scriptable stand-in for the two OpenAI hosts (the Conversions API and the
// Ads API share it: their paths do not overlap). Replies are scripted per route; each request
// takes the next reply of its route and the last one repeats. A route is "METHOD /path" or,
// more specific and tried first, "METHOD /path?query" (such as "POST /v1/events?pid=p1").
//
// The handler only records: tests check the recording after the command has returned, never
// from the handler goroutine.
type fakeServer struct {
	URL string

	mu       sync.Mutex
	script   map[string][]fakeReply
	served   map[string]int
	requests []fakeRequest
	unknown  []string
}

// newFakeServer starts a fakeServer that is closed when the test ends.
func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{script: map[string][]fakeReply{}, served: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// on scripts the replies of a route.
func (f *fakeServer) on(route string, replies ...fakeReply) *fakeServer {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[route] = append(f.script[route], replies...)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // a short read shows up as a wrong body in the checks
	route := r.Method + " " + r.URL.Path
	auth := r.Header.Get("Authorization")

	f.mu.Lock()
	f.requests = append(f.requests, fakeRequest{
		Route: route, URL: r.URL.RequestURI(), Query: r.URL.RawQuery, Auth: auth,
		ContentType: r.Header.Get("Content-Type"), Body: body,
	})
	key := route
	if _, ok := f.script[route+"?"+r.URL.RawQuery]; ok {
		key = route + "?" + r.URL.RawQuery
	}
	var reply fakeReply
	switch replies := f.script[key]; {
	case len(replies) > 0:
		reply = replies[min(f.served[key], len(replies)-1)]
		f.served[key]++
	default:
		f.unknown = append(f.unknown, r.Method+" "+r.URL.RequestURI())
		reply = fakeReply{Status: 599, Body: `{"error":{"message":"unscripted route"}}`}
	}
	f.mu.Unlock()

	echo := strings.NewReplacer("$AUTH", auth, "$KEY", strings.TrimPrefix(auth, "Bearer "))
	for name, value := range reply.Header {
		w.Header().Set(name, echo.Replace(value))
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("openai-version", "2020-10-01")
	w.WriteHeader(reply.Status)
	_, _ = io.WriteString(w, echo.Replace(reply.Body))
}

// calls counts the requests to a route: "POST /v1/events" counts every pixel,
// "POST /v1/events?pid=p1" one pixel.
func (f *fakeServer) calls(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.Route == route || r.Route+"?"+r.Query == route {
			n++
		}
	}
	return n
}

// recorded returns a copy of the recorded requests.
func (f *fakeServer) recorded() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}
