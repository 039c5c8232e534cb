package fakeapi

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind is one way the fake can misbehave. Faults are counted by kind in
// [Stats.Faults].
type FaultKind int

const (
	// FaultRateLimit answers 429 with a Retry-After header in whole seconds.
	FaultRateLimit FaultKind = iota + 1
	// FaultRateLimitNoRetryAfter answers 429 without Retry-After.
	FaultRateLimitNoRetryAfter
	// FaultInternal answers 500 with a server_error envelope.
	FaultInternal
	// FaultBadGateway answers 502 with an HTML body, as a proxy in front of the
	// API would; the body is deliberately not JSON.
	FaultBadGateway
	// FaultUnavailable answers the documented
	// 503 {"error":{"message":"503: Authentication backend failure","type":"server_error",...}}.
	FaultUnavailable
	// FaultLatency waits Fault.Delay, then serves the request normally.
	FaultLatency
	// FaultHang never answers: the handler holds the request until the client
	// gives up (its context is cancelled) or [API.Close] is called, which
	// resets the connection.
	FaultHang
	// FaultReset closes the connection with a TCP reset before reading the body.
	FaultReset
	// FaultResetMidBody reads part of the body (half its Content-Length, or
	// 512 bytes), then closes the connection with a TCP reset.
	FaultResetMidBody
	// FaultEchoAuth answers an error (Fault.Status, default 500) whose message
	// contains the request's whole Authorization header, to prove that the
	// connector redacts error bodies before logging them.
	FaultEchoAuth
	// FaultPoison counts batches refused by [API.Poison]; it cannot be scripted.
	FaultPoison
	// FaultEchoKeyHTML answers 502 with a one-line text/html body, as a proxy's error page
	// would, that holds the request's key (without "Bearer") from about byte 105 on, so
	// that cutting the body at 120 bytes before redacting it would leave part of the key.
	FaultEchoKeyHTML
	// FaultAcceptedNone answers 200 {"accepted_events": 0} without storing the events: a
	// success that counts none of them (the meaning is undocumented).
	FaultAcceptedNone
	// FaultOKErrorBody answers 200 with an error envelope as its body, storing nothing.
	FaultOKErrorBody
	// FaultAnswer answers Fault.Status (default 500) with Fault.Header and Fault.Body
	// exactly as given: an answer of the real API, or of something in front of it, that no
	// other kind plays.
	FaultAnswer
)

var faultNames = map[FaultKind]string{
	FaultRateLimit:             "rate_limit",
	FaultRateLimitNoRetryAfter: "rate_limit_no_retry_after",
	FaultInternal:              "internal_error",
	FaultBadGateway:            "bad_gateway",
	FaultUnavailable:           "unavailable",
	FaultLatency:               "latency",
	FaultHang:                  "hang",
	FaultReset:                 "reset",
	FaultResetMidBody:          "reset_mid_body",
	FaultEchoAuth:              "echo_auth",
	FaultPoison:                "poison",
	FaultEchoKeyHTML:           "echo_key_html",
	FaultAcceptedNone:          "accepted_none",
	FaultOKErrorBody:           "ok_error_body",
	FaultAnswer:                "answer",
}

// String returns the kind's snake_case name, as used in JSON and in the
// fakeapi command's -fault-kinds flag.
func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText encodes the kind as its name, so Stats.Faults has readable JSON keys.
func (k FaultKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (k *FaultKind) UnmarshalText(b []byte) error {
	kind, err := ParseFaultKind(string(b))
	*k = kind
	return err
}

// ParseFaultKind returns the kind named name (see FaultKind.String).
func ParseFaultKind(name string) (FaultKind, error) {
	for k, n := range faultNames {
		if n == name {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown fault kind %q", name)
}

// TransientFaults are the kinds RandomFaults uses when given none: the ones a
// connector should retry through, none of which hangs.
var TransientFaults = []FaultKind{FaultRateLimit, FaultRateLimitNoRetryAfter, FaultInternal, FaultBadGateway, FaultUnavailable}

// Fault is one scripted misbehaviour. The zero values of the optional fields
// mean: any endpoint, any pixel, once, Retry-After 1s, 100ms delay, status 500.
type Fault struct {
	// Kind is what to do. FaultPoison cannot be scripted; use API.Poison.
	Kind FaultKind
	// Path restricts the fault to requests for this path, e.g. "/v1/events".
	Path string
	// PixelID restricts the fault to requests whose pid query parameter is this.
	PixelID string
	// Times is how many matching requests get the fault; 0 means 1.
	Times int
	// RetryAfter is the Retry-After of FaultRateLimit, rounded up to seconds.
	RetryAfter time.Duration
	// Delay is the wait of FaultLatency.
	Delay time.Duration
	// Status is the status of FaultEchoAuth (401 or 500) and of FaultAnswer.
	Status int
	// Header and Body are the headers and the body of FaultAnswer.
	Header map[string]string
	Body   string
}

func mustScriptable(k FaultKind) {
	if _, known := faultNames[k]; !known || k == FaultPoison {
		panic("fakeapi: fault kind " + k.String() + " cannot be scripted")
	}
}

func (f *Fault) matches(path, pid string) bool {
	return (f.Path == "" || f.Path == path) && (f.PixelID == "" || f.PixelID == pid)
}

// faults holds scripted and random faults; guarded by API.mu.
type faults struct {
	queue  []Fault
	rnd    *rand.Rand
	rate   float64
	kinds  []FaultKind
	served map[FaultKind]int64
}

// Script queues faults. Each request to an API path takes the first queued
// fault that matches it (Path, PixelID) and serves it; a fault with Times n
// serves the next n matching requests. Scripted faults come before random
// ones, and before authentication and body checks. Script panics on
// FaultPoison or an unknown kind, a mistake in the calling test.
func (a *API) Script(fs ...Fault) {
	for _, f := range fs {
		mustScriptable(f.Kind)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, f := range fs {
		if f.Times <= 0 {
			f.Times = 1
		}
		a.faults.queue = append(a.faults.queue, f)
	}
}

// RandomFaults makes each request to an API path that no scripted fault
// matched fail with probability rate, with a kind drawn uniformly from kinds
// (TransientFaults if none). The draws come from a generator seeded with
// seed, so the same sequence of requests gets the same faults; each fault
// takes Fault's zero-value defaults (Retry-After 1s, 100ms delay, status
// 500). A rate of 0
// turns random faults off. Like Script, it panics on FaultPoison or an
// unknown kind.
func (a *API) RandomFaults(seed int64, rate float64, kinds ...FaultKind) {
	if len(kinds) == 0 {
		kinds = TransientFaults
	}
	for _, k := range kinds {
		mustScriptable(k)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults.rnd = rand.New(rand.NewPCG(uint64(seed), 0x6f70656e6169))
	a.faults.rate = rate
	a.faults.kinds = append([]FaultKind(nil), kinds...)
}

// Poison makes every batch that contains one of these event ids fail with
// the 400 invalid_event answer naming the first such event (param
// "events[i]", errors[] entry "events[i].id" with code poisoned_event), even
// when it is otherwise valid. Poison stays in force for the life of the API.
func (a *API) Poison(ids ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	next := make(map[string]struct{}, len(a.poison)+len(ids))
	for id := range a.poison {
		next[id] = struct{}{}
	}
	for _, id := range ids {
		next[id] = struct{}{}
	}
	a.poison = next // replaced, never mutated: readers may hold the old map
}

// nextFault takes the fault, if any, to serve for a request to path with pid.
func (a *API) nextFault(path, pid string) (Fault, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := a.faults.queue
	for i := range q {
		if !q[i].matches(path, pid) {
			continue
		}
		f := q[i]
		if q[i].Times--; q[i].Times == 0 {
			a.faults.queue = append(q[:i:i], q[i+1:]...)
		}
		return f, true
	}
	if r := a.faults.rnd; r != nil && a.faults.rate > 0 && r.Float64() < a.faults.rate {
		return Fault{Kind: a.faults.kinds[r.IntN(len(a.faults.kinds))]}, true
	}
	return Fault{}, false
}

func (a *API) countFault(k FaultKind) {
	a.mu.Lock()
	a.faults.served[k]++
	a.mu.Unlock()
}

// serveFault serves f and reports whether the request is finished; only
// FaultLatency lets it continue to the normal handler.
func (a *API) serveFault(w http.ResponseWriter, r *http.Request, f Fault) (done bool) {
	a.countFault(f.Kind)
	switch f.Kind {
	case FaultRateLimit:
		secs := int64(1)
		if f.RetryAfter > 0 {
			secs = int64((f.RetryAfter + time.Second - 1) / time.Second)
		}
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeError(w, rateLimited())
	case FaultRateLimitNoRetryAfter:
		writeError(w, rateLimited())
	case FaultInternal:
		writeError(w, &apiError{status: http.StatusInternalServerError, typ: "server_error",
			message: "The server had an error while processing your request. Sorry about that!"})
	case FaultBadGateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"+
			"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n")
	case FaultUnavailable:
		writeError(w, &apiError{status: http.StatusServiceUnavailable, typ: "server_error",
			message: "503: Authentication backend failure"})
	case FaultLatency:
		return !a.wait(r, orDefault(f.Delay, 100*time.Millisecond))
	case FaultHang:
		_, _ = io.Copy(io.Discard, r.Body) // lets net/http notice the client going away
		select {
		case <-r.Context().Done():
		case <-a.closed:
			resetConn(w, r, 0) // the client sees an error, not an empty answer
		}
	case FaultReset:
		resetConn(w, r, 0)
	case FaultResetMidBody:
		n := int64(512)
		if r.ContentLength > 1 {
			n = r.ContentLength / 2
		}
		resetConn(w, r, n)
	case FaultEchoAuth:
		writeError(w, echoAuth(r, f.Status))
	case FaultEchoKeyHTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, echoKeyHTML(r))
	case FaultAcceptedNone:
		writeJSON(w, http.StatusOK, map[string]int{"accepted_events": 0})
	case FaultOKErrorBody:
		writeJSON(w, http.StatusOK, map[string]any{"error": map[string]any{
			"message": "The server had an error while processing your request.", "type": "server_error", "param": nil, "code": nil}})
	case FaultAnswer:
		for k, v := range f.Header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(orDefaultStatus(f.Status))
		_, _ = io.WriteString(w, f.Body)
	default:
		writeError(w, &apiError{status: http.StatusInternalServerError, typ: "server_error",
			message: "fakeapi: unknown fault kind " + f.Kind.String()})
	}
	return true
}

func rateLimited() *apiError {
	return &apiError{status: http.StatusTooManyRequests, typ: "requests", code: "rate_limit_exceeded",
		message: "Rate limit reached for requests. Please try again later."}
}

func echoAuth(r *http.Request, status int) *apiError {
	auth := r.Header.Get("Authorization")
	if status == http.StatusUnauthorized {
		return &apiError{status: status, typ: "invalid_request_error", code: "invalid_api_key",
			message: "Could not verify credentials from header 'Authorization: " + auth + "'."}
	}
	return &apiError{status: http.StatusInternalServerError, typ: "server_error",
		message: "Internal error while authenticating request (Authorization: " + auth + ")."}
}

// echoKeyHTML is the one-line page of FaultEchoKeyHTML: the request's key, without
// "Bearer", starts at byte 105.
func echoKeyHTML(r *http.Request) string {
	key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	const head = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>upstream refused token "
	return head + key + " at the edge</p></body></html>\r\n"
}

// wait sleeps d and reports whether the request should go on: false when the
// client went away or the API was closed first.
func (a *API) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-a.closed:
	}
	return false
}

// resetConn reads n bytes of the body, then closes the connection with a TCP
// RST. Without a hijackable connection (HTTP/2) it aborts the stream instead.
func resetConn(w http.ResponseWriter, r *http.Request, n int64) {
	if n > 0 {
		_, _ = io.CopyN(io.Discard, r.Body, n)
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST instead of FIN
	}
	_ = conn.Close()
}

func orDefaultStatus(status int) int {
	if status == 0 {
		return http.StatusInternalServerError
	}
	return status
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
