package fakeapi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAuth(t *testing.T) {
	f := newFake(t)
	const (
		noKey      = "Unauthorized"
		badKey     = "Unauthorized"
		eventScope = "Missing scopes: ads.third_party_events.write."
		acctScope  = "Missing scopes: ads.ad_account.read."
		pixScope   = "Missing scopes: ads.conversions.read."
	)
	eventsBody := body(t, false, ev("auth_1"))
	tests := []struct {
		name       string
		method     string
		path       string
		key        string
		wantStatus int
		wantMsg    string // substring of error.message; "" for success
	}{
		{"events no key", "POST", "/v1/events?pid=" + pixWeb, "", 401, noKey},
		{"events unknown key", "POST", "/v1/events?pid=" + pixWeb, "sk-unknown-key-123", 401, badKey},
		{"events advertiser key", "POST", "/v1/events?pid=" + pixWeb, advKey, 401, eventScope},
		{"events conversions key", "POST", "/v1/events?pid=" + pixWeb, convKey, 200, ""},
		{"events both key", "POST", "/v1/events?pid=" + pixWeb, bothKey, 200, ""},
		{"account no key", "GET", "/v1/ad_account", "", 401, noKey},
		{"account unknown key", "GET", "/v1/ad_account", "sk-unknown-key-123", 401, badKey},
		{"account conversions key", "GET", "/v1/ad_account", convKey, 401, acctScope},
		{"account advertiser key", "GET", "/v1/ad_account", advKey, 200, ""},
		{"account both key", "GET", "/v1/ad_account", bothKey, 200, ""},
		{"pixels no key", "GET", "/v1/conversions/pixels", "", 401, noKey},
		{"pixels unknown key", "GET", "/v1/conversions/pixels", "sk-unknown-key-123", 401, badKey},
		{"pixels conversions key", "GET", "/v1/conversions/pixels", convKey, 401, pixScope},
		{"pixels advertiser key", "GET", "/v1/conversions/pixels", advKey, 200, ""},
		{"pixels both key", "GET", "/v1/conversions/pixels", bothKey, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b []byte
			if tt.method == "POST" {
				b = eventsBody
			}
			r := f.mustDo(t, tt.method, tt.path, tt.key, b)
			assert.Equal(t, tt.wantStatus, r.status, "body: %s", r.body)
			if tt.wantMsg == "" {
				return
			}
			e := r.envelope(t)
			assert.Contains(t, e.Message, tt.wantMsg)
			assert.Equal(t, "invalid_request_error", e.Type)
			assert.NotContains(t, string(r.body), "sk-unknown-key-123", "a wrong key is masked")
		})
	}
}

func TestAuthNoEventsStoredOnRefusal(t *testing.T) {
	f := newFake(t)
	r := f.mustDo(t, "POST", "/v1/events?pid="+pixWeb, advKey, body(t, false, ev("x")))
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Empty(t, f.api.Events())
}

func TestAdvertiserEndpoints(t *testing.T) {
	f := newFake(t)
	r := f.mustDo(t, "GET", "/v1/ad_account", advKey, nil)
	assert.Equal(t, 200, r.status)
	assert.JSONEq(t, `{"id":"act_demo","name":"Demo Ads Account","url":"https://shop.example.com","timezone":"UTC","currency_code":"USD"}`, string(r.body))

	r = f.mustDo(t, "GET", "/v1/conversions/pixels", advKey, nil)
	assert.Equal(t, 200, r.status)
	assert.JSONEq(t, `{"object":"list","data":[
		{"id":"cds_pxl_web","name":"Pixel pxl_web","pixel_id":"pxl_web","client_type":"web"},
		{"id":"cds_pxl_app","name":"Pixel pxl_app","pixel_id":"pxl_app","client_type":"web"}],
		"first_id":"cds_pxl_web","last_id":"cds_pxl_app","has_more":false}`, string(r.body))

	r = f.mustDo(t, "POST", "/v1/ad_account", advKey, []byte(`{}`))
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	r = f.mustDo(t, "GET", "/v1/campaigns", advKey, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, r.envelope(t).Message, "Unknown request URL: GET /v1/campaigns")
}
