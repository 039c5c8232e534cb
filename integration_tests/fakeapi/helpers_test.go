package fakeapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// t0 is the injected clock of every test.
var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

const (
	convKey = "sk-svcacct-conversions-key"
	advKey  = "sk-svcacct-advertiser-key"
	bothKey = "sk-svcacct-both-key"
	pixWeb  = "pxl_web"
	pixApp  = "pxl_app"
	hash64  = "b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514"
)

// fake is one API behind a real HTTP server, with a client that times out.
type fake struct {
	api    *API
	srv    *httptest.Server
	client *http.Client
}

func newFake(t testing.TB, mods ...func(*Options)) *fake {
	t.Helper()
	api, srv := NewServer(t, testOptions(mods...))
	return &fake{api: api, srv: srv, client: &http.Client{Timeout: 10 * time.Second}}
}

// testOptions are the keys, pixels and clock of every test, changed by mods.
func testOptions(mods ...func(*Options)) Options {
	opts := Options{
		Keys:       map[string]KeyKind{convKey: KeyConversions, advKey: KeyAdvertiser, bothKey: KeyBoth},
		Pixels:     WebPixels(pixWeb, pixApp),
		Now:        func() time.Time { return t0 },
		KeepEvents: true,
	}
	for _, m := range mods {
		m(&opts)
	}
	return opts
}

// serveInBubble hands one request to api's handler without a network, so that it runs on
// the clock of the synctest bubble it is called in, and returns the status and how long
// the handler held the request on that clock.
func serveInBubble(t *testing.T, api *API, method, path, key string, body []byte) (int, time.Duration) {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, path, bytes.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	start := time.Now()
	api.ServeHTTP(rec, req)
	return rec.Code, time.Since(start)
}

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// envelope decodes an error body; it fails the test if the body is not one.
func (r reply) envelope(t testing.TB) envelopeBody {
	t.Helper()
	var e struct {
		Error *envelopeBody `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.body, &e), "body: %s", r.body)
	require.NotNil(t, e.Error, "body: %s", r.body)
	return *e.Error
}

// detail is the refusal of one field: the first errors[] entry of an event's
// refusal (reference §0.3), else the envelope's own message, param and code.
func (r reply) detail(t testing.TB) errorDetail {
	t.Helper()
	e := r.envelope(t)
	if len(e.Errors) > 0 {
		return e.Errors[0]
	}
	d := errorDetail{Message: e.Message}
	if e.Param != nil {
		d.Param = *e.Param
	}
	if e.Code != nil {
		d.Code = *e.Code
	}
	return d
}

// param is the field a refusal names: its first errors[] entry's, else its own.
func (r reply) param() string {
	var e struct {
		Error struct {
			Param  *string       `json:"param"`
			Errors []errorDetail `json:"errors"`
		} `json:"error"`
	}
	switch {
	case json.Unmarshal(r.body, &e) != nil:
		return ""
	case len(e.Error.Errors) > 0:
		return e.Error.Errors[0].Param
	case e.Error.Param == nil:
		return ""
	}
	return *e.Error.Param
}

func (f *fake) do(t testing.TB, method, path, key string, body []byte) (reply, error) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, rd)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, err
}

func (f *fake) mustDo(t testing.TB, method, path, key string, body []byte) reply {
	t.Helper()
	r, err := f.do(t, method, path, key, body)
	require.NoError(t, err)
	return r
}

// post sends events (each a map or raw JSON) to pixel with the Conversions key.
func (f *fake) post(t testing.TB, pixel string, validateOnly bool, events ...any) reply {
	t.Helper()
	return f.mustDo(t, http.MethodPost, "/v1/events?pid="+pixel, convKey, body(t, validateOnly, events...))
}

func body(t testing.TB, validateOnly bool, events ...any) []byte {
	t.Helper()
	if events == nil {
		events = []any{}
	}
	b, err := json.Marshal(map[string]any{"validate_only": validateOnly, "events": events})
	require.NoError(t, err)
	return b
}

// ev is a valid order_created event with every documented field set.
func ev(id string) map[string]any {
	return map[string]any{
		"id":            id,
		"type":          "order_created",
		"timestamp_ms":  t0.Add(-time.Hour).UnixMilli(),
		"oppref":        "oppref_abc",
		"source_url":    "https://shop.example.com/checkout/confirmation",
		"action_source": "web",
		"opt_out":       false,
		"user": map[string]any{
			"emails_sha256": []any{hash64}, "phone_numbers_sha256": []any{hash64}, "external_ids_sha256": []any{hash64},
			"first_names_sha256": []any{hash64}, "last_names_sha256": []any{hash64}, "countries": []any{"US"},
			"cities": []any{"san francisco"}, "regions": []any{"ca"}, "postal_codes": []any{"94107"},
			"obref": "obref_1", "ip_address": "203.0.113.1", "user_agent": "Mozilla/5.0",
			"android_advertising_id": "38400000-8cf0-11bd-b23e-10b96e40000d",
		},
		"data": map[string]any{
			"type": "contents", "amount": 12999, "currency": "USD",
			"contents": []any{map[string]any{
				"id": "sku_1", "name": "Shirt", "content_type": "product",
				"quantity": 2, "amount": 4999, "currency": "USD",
			}},
		},
	}
}

// with returns a copy of e with path (dot-separated, "-" prefix deletes) set to v.
func with(e map[string]any, path string, v any) map[string]any {
	out := deepCopy(e).(map[string]any)
	del := strings.HasPrefix(path, "-")
	parts := strings.Split(strings.TrimPrefix(path, "-"), ".")
	m := out
	for _, p := range parts[:len(parts)-1] {
		switch next := m[p].(type) {
		case map[string]any:
			m = next
		case []any: // "contents.0": only index 0 is supported
			m = next[0].(map[string]any)
		}
	}
	if del {
		delete(m, parts[len(parts)-1])
	} else {
		m[parts[len(parts)-1]] = v
	}
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}
