package fakeapi

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"hash/maphash"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxBodyBytes is the body limit when Options.MaxBodyBytes is 0.
// OpenAI documents none; RudderStack keeps its own requests under 4 MB.
const DefaultMaxBodyBytes = 32 << 20

// Options configures an API. Only Keys and Pixels matter for most tests.
type Options struct {
	// Keys maps each accepted bearer token to what it may call.
	Keys map[string]KeyKind
	// Pixels are the ad account's pixels; events for any other pid are refused.
	Pixels []Pixel
	// Account is what GET /v1/ad_account returns; the zero value means
	// DefaultAccount.
	Account Account
	// Now is the clock for the 7-day / 10-minute window and arrival times;
	// nil means time.Now.
	Now func() time.Time
	// KeepEvents keeps every accepted event's JSON for Events. Without it
	// (benchmarks) only counters and dedup keys are kept.
	KeepEvents bool
	// Latency delays every API request (not /_fake/) before it is handled.
	Latency time.Duration
	// MaxBodyBytes limits the events body (413 above it); 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// PixelPageSize splits GET /v1/conversions/pixels into pages of at most this many
	// pixels (fewer when the request's limit is smaller), continued with after=<last_id>;
	// 0 means one page.
	PixelPageSize int
	// KeepRequests records every API request for Requests. Each body is then read whole
	// before the request is served, faults included.
	KeepRequests bool
}

// Pixel is one pixel of the ad account, as GET /v1/conversions/pixels lists it.
type Pixel struct {
	// ID is the data source id (cds_...), the value for source_ids; empty
	// means "cds_" + PixelID.
	ID string `json:"id"`
	// Name is the pixel's display name.
	Name string `json:"name"`
	// PixelID is the value POST /v1/events takes as pid.
	PixelID string `json:"pixel_id"`
	// ClientType is "web"; empty means "web".
	ClientType string `json:"client_type"`
}

// WebPixels returns web pixels with the given pixel ids and generated names.
func WebPixels(pixelIDs ...string) []Pixel {
	ps := make([]Pixel, len(pixelIDs))
	for i, id := range pixelIDs {
		ps[i] = Pixel{Name: "Pixel " + id, PixelID: id}
	}
	return ps
}

// Account is the object GET /v1/ad_account returns (reference §15.2).
type Account struct {
	ID           string `json:"id"`                    // e.g. act_123
	Name         string `json:"name"`                  // display name
	URL          string `json:"url"`                   // the advertiser's site
	PreviewURL   string `json:"preview_url,omitempty"` // only when a preview destination exists
	Timezone     string `json:"timezone"`              // e.g. UTC
	CurrencyCode string `json:"currency_code"`         // e.g. USD
}

// DefaultAccount is the account served when Options.Account is zero.
var DefaultAccount = Account{ID: "act_demo", Name: "Demo Ads Account",
	URL: "https://shop.example.com", Timezone: "UTC", CurrencyCode: "USD"}

// API is the fake: an http.Handler serving the OpenAI endpoints and the
// /_fake/ inspection endpoints. Create it with New; all methods are safe for
// concurrent use.
type API struct {
	opts    Options
	pixels  map[string]bool
	closed  chan struct{}
	closing sync.Once

	reqPrefix string
	reqSeq    atomic.Uint64

	requests      atomic.Int64
	inflight      atomic.Int64
	maxConcurrent atomic.Int64

	mu       sync.Mutex // guards faults, poison, store and received
	faults   faults
	poison   map[string]struct{}
	store    store
	received []Request

	seed    maphash.Seed
	bufPool sync.Pool
}

// New returns an API configured by opts. Call Close when done if any
// request may be held by FaultHang or a long FaultLatency.
func New(opts Options) *API {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Account == (Account{}) {
		opts.Account = DefaultAccount
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	opts.Pixels = append([]Pixel(nil), opts.Pixels...)
	a := &API{opts: opts, pixels: make(map[string]bool), closed: make(chan struct{})}
	for i, p := range a.opts.Pixels {
		if p.ID == "" {
			a.opts.Pixels[i].ID = "cds_" + p.PixelID
		}
		if p.ClientType == "" {
			a.opts.Pixels[i].ClientType = "web"
		}
		a.pixels[p.PixelID] = true
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	a.reqPrefix = "req_" + hex.EncodeToString(b[:])
	a.faults.served = make(map[FaultKind]int64)
	a.store.seen = make(map[uint64]struct{})
	a.seed = maphash.MakeSeed()
	return a
}

// Close releases every request held by FaultHang or a fault delay, so that
// a server shutting down does not wait for them. It does not stop the API
// from serving new requests. It is safe to call more than once.
func (a *API) Close() {
	a.closing.Do(func() { close(a.closed) })
}

// ServeHTTP routes a request. Every API response carries x-request-id and
// openai-version headers; the /_fake/ endpoints are not counted as requests.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		a.serveControl(w, r)
		return
	}
	a.requests.Add(1)
	if a.opts.KeepRequests {
		a.record(r)
	}
	n := a.inflight.Add(1)
	defer a.inflight.Add(-1)
	for m := a.maxConcurrent.Load(); n > m && !a.maxConcurrent.CompareAndSwap(m, n); m = a.maxConcurrent.Load() {
	}

	h := w.Header()
	h.Set("x-request-id", a.requestID())
	h.Set("openai-version", "2020-10-01")

	pid := ""
	if r.URL.Path == eventsPath {
		pid = r.URL.Query().Get("pid")
	}
	if f, ok := a.nextFault(r.URL.Path, pid); ok && a.serveFault(w, r, f) {
		return
	}
	if a.opts.Latency > 0 && !a.wait(r, a.opts.Latency) {
		return
	}
	switch r.URL.Path {
	case eventsPath:
		a.serveEvents(w, r, pid)
	case accountPath:
		a.serveAccount(w, r)
	case pixelsPath:
		a.servePixels(w, r)
	default:
		writeError(w, &apiError{status: http.StatusNotFound, typ: "invalid_request_error",
			message: "Unknown request URL: " + r.Method + " " + r.URL.Path + "."})
	}
}

const (
	eventsPath  = "/v1/events"
	accountPath = "/v1/ad_account"
	pixelsPath  = "/v1/conversions/pixels"
)

func (a *API) requestID() string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], a.reqSeq.Add(1))
	return a.reqPrefix + hex.EncodeToString(b[:])
}

// methodNotAllowed is the 405 for a known path with the wrong method.
func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, &apiError{status: http.StatusMethodNotAllowed, typ: "invalid_request_error",
		message: "Method not allowed: " + r.Method + " " + r.URL.Path + " (use " + allow + ")."})
}
