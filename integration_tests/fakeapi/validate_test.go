package fakeapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// minimal returns the smallest valid event of type typ.
func minimal(id, typ string) map[string]any {
	e := map[string]any{
		"id": id, "type": typ, "timestamp_ms": t0.UnixMilli(),
		"data": map[string]any{"type": dataTypes[typ]},
	}
	if typ == "custom" {
		e["custom_event_name"] = "newsletter_signup"
	}
	return e
}

func TestEventsAccepted(t *testing.T) {
	tests := []struct {
		name string
		ev   map[string]any
	}{
		{"every documented field", ev("e")},
		{"no action_source and no source_url", with(ev("e"), "-action_source", nil)},
		{"source_url without web", with(with(ev("e"), "-source_url", nil), "action_source", "offline")},
		{"exactly 7 days old", with(ev("e"), "timestamp_ms", t0.Add(-7*24*time.Hour).UnixMilli())},
		{"exactly 10 minutes ahead", with(ev("e"), "timestamp_ms", t0.Add(10*time.Minute).UnixMilli())},
		{"amount zero", with(ev("e"), "data.amount", 0)},
		{"currency without amount", with(ev("e"), "-data.amount", nil)},
		{"no amount and no currency", with(with(ev("e"), "-data.amount", nil), "-data.currency", nil)},
		{"item amount with event currency only", with(ev("e"), "-data.contents.0.currency", nil)},
		{"item with only an id", with(ev("e"), "data.contents", []any{map[string]any{"id": "sku"}})},
		{"empty contents", with(ev("e"), "data.contents", []any{})},
		{"plan_id and contents on plan_enrollment", with(with(minimal("e", "trial_started"), "data.plan_id", "pro"), "data.contents", []any{map[string]any{"id": "pro"}})},
		{"plan_id on custom", with(minimal("e", "custom"), "data.plan_id", "pro")},
		{"custom name with upper case", with(minimal("e", "custom"), "custom_event_name", "Newsletter-Signup_2")},
		{"custom name of 64 characters", with(minimal("e", "custom"), "custom_event_name", strings.Repeat("a", 64))},
		{"custom name of 1 character", with(minimal("e", "custom"), "custom_event_name", "x")},
		{"three values in a user list", with(ev("e"), "user.emails_sha256", []any{hash64, hash64, hash64})},
		{"null user list", with(ev("e"), "user.cities", nil)},
		{"custom data with additional fields", with(with(minimal("e", "custom"), "data.tier", "gold"), "data.score", map[string]any{"a": []any{1}})},
		{"item group_id and variant_dict", with(with(ev("e"), "data.contents.0.group_id", "g1"), "data.contents.0.variant_dict", map[string]any{"size": "M"})},
		{"null optional fields", with(with(with(ev("e"), "oppref", nil), "user", nil), "data.contents", nil)},
		{"escaped id", with(ev("e"), "id", "order_\u00e9\"1")},
		{"opt_out true", with(ev("e"), "opt_out", true)},
	}
	for typ := range dataTypes {
		tests = append(tests, struct {
			name string
			ev   map[string]any
		}{"type " + typ, minimal("e", typ)})
	}
	for src := range actionSources {
		tests = append(tests, struct {
			name string
			ev   map[string]any
		}{"action_source " + src, with(ev("e"), "action_source", src)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			r := f.post(t, pixWeb, false, tt.ev)
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			assert.JSONEq(t, `{"accepted_events":1}`, string(r.body))
			evs := f.api.Events()
			require.Len(t, evs, 1)
			assert.Equal(t, tt.ev["id"], evs[0].ID)
			assert.Equal(t, tt.ev["type"], evs[0].Type)
			assert.Equal(t, pixWeb, evs[0].PixelID)
			assert.Equal(t, t0, evs[0].ReceivedAt)
			want, _ := json.Marshal(tt.ev)
			assert.JSONEq(t, string(want), string(evs[0].Raw))
		})
	}
}

func TestEventsRefused(t *testing.T) {
	old := t0.Add(-7*24*time.Hour - time.Millisecond).UnixMilli()
	future := t0.Add(10*time.Minute + time.Millisecond).UnixMilli()
	tests := []struct {
		name      string
		body      string // raw body; if empty, {"events":[ev]}
		ev        map[string]any
		wantParam string
		wantMsg   string
		status    int // 0 means 400
	}{
		{name: "event at the body root", body: `{"id":"a","type":"lead_created"}`, wantParam: "events", wantMsg: "Missing required field: events"},
		{name: "bare array", body: `[{"id":"a"}]`, wantParam: "events", wantMsg: "Missing required field: events"},
		{name: "events null", body: `{"events":null}`, wantParam: "events", wantMsg: "Missing required field: events"},
		{name: "events not an array", body: `{"events":{}}`, wantParam: "events", wantMsg: "expected an array, but got an object"},
		{name: "unknown body key", body: `{"events":[],"batch_id":1}`, wantParam: "batch_id", wantMsg: "Unrecognized request argument"},
		{name: "validate_only a string", body: `{"validate_only":"true","events":[]}`, wantParam: "validate_only", wantMsg: "expected a boolean"},
		{name: "truncated JSON", body: `{"events":[{"id":"a"`, wantMsg: "could not parse the JSON body"},
		{name: "trailing garbage", body: `{"events":[]} x`, wantMsg: "could not parse the JSON body"},
		{name: "bad JSON after a bad event", body: `{"events":[{"id":1}, nope]}`, wantMsg: "could not parse the JSON body"},
		{name: "event not an object", body: `{"events":["a"]}`, wantParam: "events[0]", wantMsg: "expected an object, but got a string"},

		{name: "id missing", ev: with(ev("e"), "-id", nil), wantParam: "events[0].id", wantMsg: "Missing required field"},
		{name: "id empty", ev: with(ev("e"), "id", ""), wantParam: "events[0].id", wantMsg: "Missing required field"},
		{name: "id a number", ev: with(ev("e"), "id", 12), wantParam: "events[0].id", wantMsg: "expected a string, but got a number"},
		{name: "type missing", ev: with(ev("e"), "-type", nil), wantParam: "events[0].type", wantMsg: "Missing required field"},
		{name: "type unknown", ev: with(ev("e"), "type", "purchase"), wantParam: "events[0].type", wantMsg: "Supported values are"},
		{name: "type in upper case", ev: with(ev("e"), "type", "Order_Created"), wantParam: "events[0].type", wantMsg: "Supported values are"},
		{name: "attribution_appended is not documented", ev: with(minimal("e", "lead_created"), "type", "attribution_appended"), wantParam: "events[0].type"},
		{name: "timestamp missing", ev: with(ev("e"), "-timestamp_ms", nil), wantParam: "events[0].timestamp_ms", wantMsg: "Missing required field"},
		{name: "timestamp a string", ev: with(ev("e"), "timestamp_ms", "1773892800000"), wantParam: "events[0].timestamp_ms", wantMsg: "expected an integer, but got a string"},
		{name: "timestamp fractional", ev: with(ev("e"), "timestamp_ms", 1773892800000.5), wantParam: "events[0].timestamp_ms", wantMsg: "expected an integer, but got a number"},
		{name: "timestamp in seconds", ev: with(ev("e"), "timestamp_ms", t0.Unix()), wantParam: "events[0].timestamp_ms", wantMsg: "within the last 7 days", status: 422},
		{name: "timestamp 7 days and 1 ms old", ev: with(ev("e"), "timestamp_ms", old), wantParam: "events[0].timestamp_ms", wantMsg: "within the last 7 days", status: 422},
		{name: "timestamp 10 minutes and 1 ms ahead", ev: with(ev("e"), "timestamp_ms", future), wantParam: "events[0].timestamp_ms", wantMsg: "at most 10 minutes in the future", status: 422},
		{name: "legacy event_name", ev: with(ev("e"), "event_name", "order_created"), wantParam: "events[0].event_name", wantMsg: "Unrecognized request argument"},
		{name: "undocumented value", ev: with(ev("e"), "value", 129.99), wantParam: "events[0].value", wantMsg: "Unrecognized request argument"},
		{name: "key case differs", ev: with(with(ev("e"), "-id", nil), "ID", "e"), wantParam: "events[0].ID", wantMsg: "Unrecognized request argument"},

		{name: "data missing", ev: with(ev("e"), "-data", nil), wantParam: "events[0].data", wantMsg: "Missing required field"},
		{name: "data a string", ev: with(ev("e"), "data", "contents"), wantParam: "events[0].data", wantMsg: "expected an object"},
		{name: "data.type missing", ev: with(ev("e"), "-data.type", nil), wantParam: "events[0].data.type", wantMsg: "Missing required field"},
		{name: "data.type mismatched", ev: with(ev("e"), "data.type", "customer_action"), wantParam: "events[0].data.type", wantMsg: "require data.type 'contents'"},
		{name: "lead with contents data", ev: with(minimal("e", "lead_created"), "data.type", "contents"), wantParam: "events[0].data.type"},
		{name: "custom_event_name inside data", ev: with(minimal("e", "custom"), "data.custom_event_name", "x"), wantParam: "events[0].data.custom_event_name", wantMsg: "Unrecognized request argument"},
		{name: "undocumented data key", ev: with(ev("e"), "data.value", 1), wantParam: "events[0].data.value", wantMsg: "Unrecognized request argument"},
		{name: "plan_id on contents", ev: with(ev("e"), "data.plan_id", "p"), wantParam: "events[0].data.plan_id", wantMsg: "Unrecognized request argument"},
		{name: "contents on customer_action", ev: with(minimal("e", "lead_created"), "data.contents", []any{}), wantParam: "events[0].data.contents", wantMsg: "Unrecognized request argument"},

		{name: "custom without name", ev: with(minimal("e", "custom"), "-custom_event_name", nil), wantParam: "events[0].custom_event_name", wantMsg: "Missing required field"},
		{name: "name on a standard event", ev: with(ev("e"), "custom_event_name", "x"), wantParam: "events[0].custom_event_name", wantMsg: "only allowed when type is 'custom'"},
		{name: "name starting with -", ev: with(minimal("e", "custom"), "custom_event_name", "-signup"), wantParam: "events[0].custom_event_name"},
		{name: "name ending with _", ev: with(minimal("e", "custom"), "custom_event_name", "signup_"), wantParam: "events[0].custom_event_name"},
		{name: "name with a space", ev: with(minimal("e", "custom"), "custom_event_name", "sign up"), wantParam: "events[0].custom_event_name"},
		{name: "name of 65 characters", ev: with(minimal("e", "custom"), "custom_event_name", strings.Repeat("a", 65)), wantParam: "events[0].custom_event_name"},
		{name: "name empty", ev: with(minimal("e", "custom"), "custom_event_name", ""), wantParam: "events[0].custom_event_name"},
		{name: "name a standard name", ev: with(minimal("e", "custom"), "custom_event_name", "Lead_Created"), wantParam: "events[0].custom_event_name", wantMsg: "is a standard event name"},

		{name: "action_source unknown", ev: with(ev("e"), "action_source", "website"), wantParam: "events[0].action_source", wantMsg: "Supported values are"},
		{name: "web without source_url", ev: with(ev("e"), "-source_url", nil), wantParam: "events[0].source_url", wantMsg: "required when action_source is 'web'"},
		{name: "web with empty source_url", ev: with(ev("e"), "source_url", ""), wantParam: "events[0].source_url", wantMsg: "required when action_source is 'web'"},
		{name: "source_url not http", ev: with(ev("e"), "source_url", "ftp://shop.example.com/"), wantParam: "events[0].source_url", wantMsg: "http or https"},

		{name: "amount in major units", ev: with(ev("e"), "data.amount", 129.99), wantParam: "events[0].data.amount", wantMsg: "expected an integer, but got a number"},
		{name: "amount a string", ev: with(ev("e"), "data.amount", "12999"), wantParam: "events[0].data.amount", wantMsg: "expected an integer, but got a string"},
		{name: "amount negative", ev: with(ev("e"), "data.amount", -1), wantParam: "events[0].data.amount", wantMsg: "non-negative"},
		{name: "amount without currency", ev: with(ev("e"), "-data.currency", nil), wantParam: "events[0].data.currency", wantMsg: "required when data.amount is set"},
		{name: "currency lower case", ev: with(ev("e"), "data.currency", "usd"), wantParam: "events[0].data.currency", wantMsg: "ISO 4217"},
		{name: "currency two letters", ev: with(ev("e"), "data.currency", "US"), wantParam: "events[0].data.currency"},
		{name: "item quantity zero", ev: with(ev("e"), "data.contents.0.quantity", 0), wantParam: "events[0].data.contents[0].quantity", wantMsg: "positive integer"},
		{name: "item quantity fractional", ev: with(ev("e"), "data.contents.0.quantity", 1.5), wantParam: "events[0].data.contents[0].quantity", wantMsg: "expected an integer"},
		{name: "item quantity a string", ev: with(ev("e"), "data.contents.0.quantity", "2"), wantParam: "events[0].data.contents[0].quantity", wantMsg: "expected an integer"},
		{name: "item amount fractional", ev: with(ev("e"), "data.contents.0.amount", 49.99), wantParam: "events[0].data.contents[0].amount", wantMsg: "expected an integer"},
		{name: "item amount without any currency", ev: with(with(ev("e"), "-data.contents.0.currency", nil), "-data.currency", nil), wantParam: "events[0].data.currency"},
		{name: "item amount without currency, no event amount", ev: with(with(with(ev("e"), "-data.contents.0.currency", nil), "-data.currency", nil), "-data.amount", nil), wantParam: "events[0].data.contents[0].currency", wantMsg: "the event has no currency"},
		{name: "item currency lower case", ev: with(ev("e"), "data.contents.0.currency", "eur"), wantParam: "events[0].data.contents[0].currency"},
		{name: "item undocumented key", ev: with(ev("e"), "data.contents.0.colour", "g"), wantParam: "events[0].data.contents[0].colour", wantMsg: "Unrecognized request argument"},
		{name: "item not an object", ev: with(ev("e"), "data.contents", []any{"sku"}), wantParam: "events[0].data.contents[0]", wantMsg: "expected an object"},
		{name: "contents an object", ev: with(ev("e"), "data.contents", map[string]any{}), wantParam: "events[0].data.contents", wantMsg: "expected an array"},

		{name: "user a string", ev: with(ev("e"), "user", "a@b.c"), wantParam: "events[0].user", wantMsg: "expected an object"},
		{name: "plaintext email", ev: with(ev("e"), "user.email", "a@b.c"), wantParam: "events[0].user.email", wantMsg: "Plaintext personal data"},
		{name: "plaintext external_id", ev: with(ev("e"), "user.external_id", "cust_1"), wantParam: "events[0].user.external_id", wantMsg: "Plaintext personal data"},
		{name: "plaintext phone", ev: with(ev("e"), "user.phone", "+15551234567"), wantParam: "events[0].user.phone", wantMsg: "Plaintext personal data"},
		{name: "plaintext phone_number", ev: with(ev("e"), "user.phone_number", "+15551234567"), wantParam: "events[0].user.phone_number", wantMsg: "Plaintext personal data"},
		{name: "plaintext first_name", ev: with(ev("e"), "user.first_name", "Jane"), wantParam: "events[0].user.first_name", wantMsg: "Plaintext personal data"},
		{name: "pixel email_sha256", ev: with(ev("e"), "user.email_sha256", hash64), wantParam: "events[0].user.email_sha256", wantMsg: "'emails_sha256', a list"},
		{name: "pixel external_id_sha256", ev: with(ev("e"), "user.external_id_sha256", hash64), wantParam: "events[0].user.external_id_sha256", wantMsg: "Measurement Pixel"},
		{name: "pixel phone_number_sha256", ev: with(ev("e"), "user.phone_number_sha256", hash64), wantParam: "events[0].user.phone_number_sha256", wantMsg: "Measurement Pixel"},
		{name: "pixel country", ev: with(ev("e"), "user.country", "US"), wantParam: "events[0].user.country", wantMsg: "'countries', a list"},
		{name: "pixel city", ev: with(ev("e"), "user.city", "x"), wantParam: "events[0].user.city", wantMsg: "Measurement Pixel"},
		{name: "pixel zip_code", ev: with(ev("e"), "user.zip_code", "94107"), wantParam: "events[0].user.zip_code", wantMsg: "'postal_codes', a list"},
		{name: "undocumented user key", ev: with(ev("e"), "user.city_sha256", []any{hash64}), wantParam: "events[0].user.city_sha256", wantMsg: "Unrecognized request argument"},
		{name: "user list a string", ev: with(ev("e"), "user.emails_sha256", hash64), wantParam: "events[0].user.emails_sha256", wantMsg: "expected an array"},
		{name: "four values in a user list", ev: with(ev("e"), "user.cities", []any{"a", "b", "c", "d"}), wantParam: "events[0].user.cities", wantMsg: "at most 3 values"},
		{name: "hash in upper case", ev: with(ev("e"), "user.emails_sha256", []any{strings.ToUpper(hash64)}), wantParam: "events[0].user.emails_sha256[0]", wantMsg: "64 lower-case hexadecimal"},
		{name: "hash too short", ev: with(ev("e"), "user.external_ids_sha256", []any{hash64[:63]}), wantParam: "events[0].user.external_ids_sha256[0]"},
		{name: "hash of plaintext", ev: with(ev("e"), "user.phone_numbers_sha256", []any{"+15551234567"}), wantParam: "events[0].user.phone_numbers_sha256[0]"},
		{name: "hash a number", ev: with(ev("e"), "user.emails_sha256", []any{5}), wantParam: "events[0].user.emails_sha256[0]", wantMsg: "expected a string"},
		{name: "country a number", ev: with(ev("e"), "user.countries", []any{840}), wantParam: "events[0].user.countries[0]", wantMsg: "expected a string"},
		{name: "country lower case", ev: with(ev("e"), "user.countries", []any{"us"}), wantParam: "events[0].user.countries[0]", wantMsg: "two-letter"},
		{name: "postal code with other characters", ev: with(ev("e"), "user.postal_codes", []any{"94107#"}), wantParam: "events[0].user.postal_codes[0]"},
		{name: "city of 129 characters", ev: with(ev("e"), "user.cities", []any{strings.Repeat("a", 129)}), wantParam: "events[0].user.cities[0]"},
		{name: "empty user_agent", ev: with(ev("e"), "user.user_agent", ""), wantParam: "events[0].user.user_agent", wantMsg: "must not be empty"},
		{name: "ip_address a list", ev: with(ev("e"), "user.ip_address", []any{"203.0.113.1"}), wantParam: "events[0].user.ip_address", wantMsg: "expected a string"},
		{name: "undocumented data key on contents data", ev: with(ev("e"), "data.tier", "gold"), wantParam: "events[0].data.tier", wantMsg: "Unrecognized request argument"},
		{name: "variant_dict a string", ev: with(ev("e"), "data.contents.0.variant_dict", "M"), wantParam: "events[0].data.contents[0].variant_dict", wantMsg: "expected an object"},
		{name: "variant_dict with a number", ev: with(ev("e"), "data.contents.0.variant_dict", map[string]any{"size": 42}), wantParam: "events[0].data.contents[0].variant_dict.size", wantMsg: "expected a string"},
		{name: "group_id a number", ev: with(ev("e"), "data.contents.0.group_id", 7), wantParam: "events[0].data.contents[0].group_id", wantMsg: "expected a string"},
		{name: "opt_out a string", ev: with(ev("e"), "opt_out", "yes"), wantParam: "events[0].opt_out", wantMsg: "expected a boolean"},
		{name: "oppref an object", ev: with(ev("e"), "oppref", map[string]any{}), wantParam: "events[0].oppref", wantMsg: "expected a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			b := []byte(tt.body)
			if tt.body == "" {
				b = body(t, false, tt.ev)
			}
			r := f.mustDo(t, http.MethodPost, "/v1/events?pid="+pixWeb, convKey, b)
			require.Equal(t, cmp.Or(tt.status, http.StatusBadRequest), r.status, "body: %s", r.body)
			assert.Equal(t, "invalid_request_error", r.envelope(t).Type)
			d := r.detail(t)
			assert.Equal(t, tt.wantParam, d.Param, "message: %s", d.Message)
			assert.Contains(t, d.Message, tt.wantMsg)
			assertRefusalShape(t, r)
			assert.Empty(t, f.api.Events())
			st := f.api.Stats()
			assert.Equal(t, int64(1), st.BatchesRejected)
			assert.Zero(t, st.EventsAccepted)
		})
	}
}

func TestOneBadEventFailsTheBatch(t *testing.T) {
	f := newFake(t)
	evs := make([]any, 20)
	for i := range evs {
		evs[i] = ev(fmt.Sprintf("e%d", i))
	}
	evs[17] = with(ev("e17"), "data.amount", 129.99)
	r := f.post(t, pixWeb, false, evs...)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.JSONEq(t, `{"error":{"message":"Invalid event at events[17]. See errors for details.","type":"invalid_request_error","param":"events[17]","code":"invalid_event",`+
		`"errors":[{"message":"Invalid type for 'events[17].data.amount': expected an integer, but got a number instead.","param":"events[17].data.amount","code":"invalid_value"}]}}`, string(r.body))
	assert.Empty(t, f.api.Events())
}

func TestBatchLimit(t *testing.T) {
	f := newFake(t)
	evs := make([]any, MaxEvents+1)
	for i := range evs {
		evs[i] = minimal(fmt.Sprintf("e%d", i), "page_viewed")
	}
	r := f.post(t, pixWeb, false, evs[:MaxEvents]...)
	assert.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"accepted_events":1000}`, string(r.body))

	r = f.post(t, pixWeb, false, evs...)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "events", r.param())
	assert.Contains(t, r.envelope(t).Message, "at most 1000 events")
	assert.Equal(t, int64(1000), f.api.Stats().EventsAccepted)
}

func TestEmptyBatch(t *testing.T) {
	f := newFake(t)
	r := f.post(t, pixWeb, false)
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"accepted_events":0}`, string(r.body))
}

func TestEventsRequestChecks(t *testing.T) {
	f := newFake(t)
	good := body(t, false, ev("e"))
	tests := []struct {
		name       string
		path       string
		method     string
		header     map[string]string
		wantStatus int
		wantParam  string
		wantMsg    string
	}{
		{"missing pid", "/v1/events", "POST", nil, 400, "", "'loc': ('query', 'pid')"},
		{"unknown pid", "/v1/events?pid=pxl_other", "POST", nil, 403, "", "403: unknown pid"},
		{"GET", "/v1/events?pid=" + pixWeb, "GET", nil, 405, "", "Method not allowed"},
		{"text content type", "/v1/events?pid=" + pixWeb, "POST", map[string]string{"Content-Type": "text/plain"}, 415, "", "expected application/json"},
		{"gzip", "/v1/events?pid=" + pixWeb, "POST", map[string]string{"Content-Encoding": "gzip"}, 415, "", "Content-Encoding"},
		{"charset is fine", "/v1/events?pid=" + pixWeb, "POST", map[string]string{"Content-Type": "application/json; charset=utf-8"}, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, f.srv.URL+tt.path, strings.NewReader(string(good)))
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+convKey)
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := f.client.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var e envelope
			_ = json.NewDecoder(resp.Body).Decode(&e)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantStatus == 200 {
				return
			}
			assert.Contains(t, e.Error.Message, tt.wantMsg)
			if tt.wantParam != "" {
				require.NotNil(t, e.Error.Param)
				assert.Equal(t, tt.wantParam, *e.Error.Param)
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	f := newFake(t, func(o *Options) { o.MaxBodyBytes = 100 })
	r := f.post(t, pixWeb, false, ev("e"))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	assert.Contains(t, r.envelope(t).Message, "too large")
}
