package event

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

const (
	ts      = `"timestamp_ms":1773892800000`
	digestA = "b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514"
)

type acceptCase struct {
	name    string
	in      string
	want    string    // the exact output JSON
	dropped []Dropped // nil when nothing is dropped
}

var acceptCases = []acceptCase{
	{
		name: "minimal lead without data gets its data type",
		in:   `{"id":"l1","type":"lead_created",` + ts + `}`,
		want: `{"id":"l1","type":"lead_created",` + ts + `,"data":{"type":"customer_action"}}`,
	},
	{
		name: "missing data.type is filled in from the event type",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"data":{"amount":100,"currency":"EUR"}}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents","amount":100,"currency":"EUR"}}`,
	},
	{
		name: "fixed field order whatever the input order",
		in:   `{"data":{"currency":"USD","contents":[{"currency":"USD","amount":5,"quantity":1,"content_type":"product","name":"n","id":"s"}],"amount":5,"type":"custom"},"opt_out":true,"user":{"user_agent":"ua","ip_address":"203.0.113.1","zip_code":"1","city":"c","country":"US","external_id_sha256":"` + digestA + `","email_sha256":"` + digestA + `"},"action_source":"web","source_url":"https://a.example/p","oppref":"o","custom_event_name":"quote_requested",` + ts + `,"type":"custom","id":"c1"}`,
		want: `{"id":"c1","type":"custom",` + ts + `,"custom_event_name":"quote_requested","oppref":"o","source_url":"https://a.example/p","action_source":"web","user":{"emails_sha256":["` + digestA + `"],"external_ids_sha256":["` + digestA + `"],"countries":["US"],"cities":["c"],"postal_codes":["1"],"ip_address":"203.0.113.1","user_agent":"ua"},"opt_out":true,"data":{"type":"custom","amount":5,"currency":"USD","contents":[{"id":"s","name":"n","content_type":"product","quantity":1,"amount":5,"currency":"USD"}]}}`,
	},
	{
		name: "nulls are stripped everywhere",
		in:   `{"id":"o1","oppref":null,"type":"order_created",` + ts + `,"user":{"country":null,"cities":["a",null]},"data":{"type":"contents","amount":null,"contents":[null,{"id":"s","name":null,"variant_dict":{"size":"M","color":null}}]}}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"cities":["a"]},"data":{"type":"contents","contents":[{"id":"s","variant_dict":{"size":"M"}}]}}`,
	},
	{
		name:    "undocumented fields are dropped and reported, metadata silently",
		in:      `{"id":"o1","type":"order_created",` + ts + `,"coupon":"X","_airbyte_raw_id":"r","_ab_cdc_lsn":1,"data":{"type":"contents","plan_id":"p","value":1.5,"_airbyte_extracted_at":1,"contents":[{"id":"s","colour":"g"}]}}`,
		want:    `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents","contents":[{"id":"s"}]}}`,
		dropped: []Dropped{{"coupon", "not a documented field, so it is not sent"}, {"data.contents[].colour", "not a documented field, so it is not sent"}, {"data.plan_id", "not a field of contents data"}, {"data.value", "not a documented field, so it is not sent"}},
	},
	{
		name: "data, user and contents as JSON text",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":"{\"country\":\"US\"}","data":"{\"type\":\"contents\",\"contents\":\"[{\\\"id\\\":\\\"s\\\"}]\"}"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"countries":["US"]},"data":{"type":"contents","contents":[{"id":"s"}]}}`,
	},
	{
		name: "null data and user count as absent",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":null,"data":null,"custom_event_name":null}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "blank JSON text counts as absent",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":"","data":" "}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "timestamp in exponent form",
		in:   `{"id":"o1","type":"order_created","timestamp_ms":1.7738928e12}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "timestamp as an integral float",
		in:   `{"id":"o1","type":"order_created","timestamp_ms":1773892800000.000}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "timestamp as a string of digits",
		in:   `{"id":"o1","type":"order_created","timestamp_ms":"1773892800000"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "timestamp as RFC 3339 with an offset and milliseconds",
		in:   `{"id":"o1","type":"order_created","timestamp_ms":"2026-03-19T05:00:00.123+01:00"}`,
		want: `{"id":"o1","type":"order_created","timestamp_ms":1773892800123,"data":{"type":"contents"}}`,
	},
	{
		name: "timestamp exactly 7 days old",
		in:   `{"id":"o1","type":"order_created","timestamp_ms":1773288300000}`,
		want: `{"id":"o1","type":"order_created","timestamp_ms":1773288300000,"data":{"type":"contents"}}`,
	},
	{
		name: "timestamp exactly 10 minutes ahead",
		in:   `{"id":"o1","type":"order_created","timestamp_ms":1773893700000}`,
		want: `{"id":"o1","type":"order_created","timestamp_ms":1773893700000,"data":{"type":"contents"}}`,
	},
	{
		name: "numeric id becomes its exact decimal string",
		in:   `{"id":123456789012345678901234567890,"type":"order_created",` + ts + `}`,
		want: `{"id":"123456789012345678901234567890","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "integral float id",
		in:   `{"id":4.2e3,"type":"order_created",` + ts + `}`,
		want: `{"id":"4200","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "integral float amounts and quantities, lower-case currencies",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"data":{"amount":12999.0,"currency":"usd","contents":[{"id":7,"quantity":2.0,"amount":1.2e2,"currency":"jpy"}]}}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents","amount":12999,"currency":"USD","contents":[{"id":"7","quantity":2,"amount":120,"currency":"JPY"}]}}`,
	},
	{
		name: "item amount covered by the event currency",
		in:   `{"id":"o1","type":"items_added",` + ts + `,"data":{"currency":"KWD","contents":[{"id":"s","amount":12345}]}}`,
		want: `{"id":"o1","type":"items_added",` + ts + `,"data":{"type":"contents","currency":"KWD","contents":[{"id":"s","amount":12345}]}}`,
	},
	{
		name: "plaintext identity is normalised, hashed and sent as lists",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":{"email":" Jane.Doe@Example.com ","external_id":" Cust-42 ","phone":"+1 (555) 010-0199","first_name":" Ștefan ","last_name":"O'Neil-Smith"}}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"emails_sha256":["` + sha("jane.doe@example.com") + `"],"phone_numbers_sha256":["` + sha("15550100199") + `"],"external_ids_sha256":["` + sha("Cust-42") + `"],"first_names_sha256":["` + sha("ștefan") + `"],"last_names_sha256":["` + sha("oneilsmith") + `"]},"data":{"type":"contents"}}`,
	},
	{
		name: "identity in any letter case, user as JSON text",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":"{\"EMAIL\":\"Jane@x.com\",\"Phone\":\"+15551234567\",\"External_ID\":\"cust42\"}"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"emails_sha256":["` + sha("jane@x.com") + `"],"phone_numbers_sha256":["` + sha("15551234567") + `"],"external_ids_sha256":["` + sha("cust42") + `"]},"data":{"type":"contents"}}`,
	},
	{
		name:    "pixel names are read and sent under the Conversions API names; undocumented fields are dropped",
		in:      `{"id":"o1","type":"order_created",` + ts + `,"user":{"EMAIL_SHA256":"` + strings.ToUpper(digestA) + `","external_id_sha256":"` + digestA + `","country":"us","city":" San Francisco ","zip_code":"94107","email_address":"j@x.com","city_sha256":"` + digestA + `"}}`,
		want:    `{"id":"o1","type":"order_created",` + ts + `,"user":{"emails_sha256":["` + digestA + `"],"external_ids_sha256":["` + digestA + `"],"countries":["US"],"cities":["san francisco"],"postal_codes":["94107"]},"data":{"type":"contents"}}`,
		dropped: []Dropped{{"user.city_sha256", reasonUndocumentedUser}, {"user.email_address", reasonUndocumentedUser}},
	},
	{
		name: "the scalars pass their rules",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":{"obref":" ob.1 ","ip_address":" 2001:db8::1 ","user_agent":"Mozilla/5.0","android_advertising_id":"38400000-8CF0-11BD-B23E-10B96E40000D"}}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"obref":" ob.1 ","ip_address":"2001:db8::1","user_agent":"Mozilla/5.0","android_advertising_id":"38400000-8cf0-11bd-b23e-10b96e40000d"},"data":{"type":"contents"}}`,
	},
	{
		name: "blank user values count as absent",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":{"email":"","phones":null,"cities":" "}}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name:    "source_url loses its query and fragment",
		in:      `{"id":"o1","type":"page_viewed",` + ts + `,"action_source":"web","source_url":"HTTPS://shop.example.com/p?email=x#top"}`,
		want:    `{"id":"o1","type":"page_viewed",` + ts + `,"source_url":"https://shop.example.com/p","action_source":"web","data":{"type":"contents"}}`,
		dropped: []Dropped{{"source_url", "query and fragment removed"}},
	},
	{
		name:    "source_url loses user name and password",
		in:      `{"id":"o1","type":"page_viewed",` + ts + `,"action_source":"web","source_url":"https://user:pass@a.example/x"}`,
		want:    `{"id":"o1","type":"page_viewed",` + ts + `,"source_url":"https://a.example/x","action_source":"web","data":{"type":"contents"}}`,
		dropped: []Dropped{{"source_url", "credentials removed"}},
	},
	{
		name:    "source_url loses credentials, query and fragment",
		in:      `{"id":"o1","type":"page_viewed",` + ts + `,"source_url":"http://u@a.example:8080?q=1#f"}`,
		want:    `{"id":"o1","type":"page_viewed",` + ts + `,"source_url":"http://a.example:8080","data":{"type":"contents"}}`,
		dropped: []Dropped{{"source_url", "credentials, query and fragment removed"}},
	},
	{
		name: "source_url with a port, IP literal, escapes or a non-ASCII path",
		in:   `{"id":"o1","type":"page_viewed",` + ts + `,"source_url":"http://[::1]:8080/caf%C3%A9/café"}`,
		want: `{"id":"o1","type":"page_viewed",` + ts + `,"source_url":"http://[::1]:8080/caf%C3%A9/café","data":{"type":"contents"}}`,
	},
	{
		name:    "plan_id on contents data is dropped when the schema allows its type",
		in:      `{"id":"o1","type":"order_created",` + ts + `,"data":{"plan_id":4.2e1}}`,
		want:    `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
		dropped: []Dropped{{"data.plan_id", "not a field of contents data"}},
	},
	{
		name: "plan enrollment with plan_id and contents",
		in:   `{"id":"t1","type":"trial_started",` + ts + `,"data":{"type":"plan_enrollment","plan_id":42,"amount":0,"currency":"GBP","contents":[]}}`,
		want: `{"id":"t1","type":"trial_started",` + ts + `,"data":{"type":"plan_enrollment","amount":0,"currency":"GBP","plan_id":"42","contents":[]}}`,
	},
	{
		name: "custom data keeps its additional fields, nulls stripped, keys sorted",
		in:   `{"id":"c1","type":"custom","custom_event_name":"quote",` + ts + `,"data":{"zeta":{"b":null,"a":[1,null]},"tier":"gold","score":7,"_airbyte_meta":{},"gone":null}}`,
		want: `{"id":"c1","type":"custom",` + ts + `,"custom_event_name":"quote","data":{"type":"custom","score":7,"tier":"gold","zeta":{"a":[1]}}}`,
	},
	{
		name:    "customer_action data keeps amount and currency, drops plan_id and other fields",
		in:      `{"id":"l1","type":"lead_created",` + ts + `,"data":{"amount":500,"currency":"eur","plan_id":"p","tier":"gold"}}`,
		want:    `{"id":"l1","type":"lead_created",` + ts + `,"data":{"type":"customer_action","amount":500,"currency":"EUR"}}`,
		dropped: []Dropped{{"data.plan_id", "not a field of customer_action data"}, {"data.tier", "not a documented field, so it is not sent"}},
	},
	{
		name: "content items keep group_id (an integer becomes text) and variant_dict (keys sorted)",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"data":{"contents":[{"variant_dict":{"size":"M","color":"blue"},"group_id":1234567890123456789012,"id":"s"},{"group_id":"g-1","variant_dict":{}}]}}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents","contents":[{"id":"s","group_id":"1234567890123456789012","variant_dict":{"color":"blue","size":"M"}},{"group_id":"g-1"}]}}`,
	},
	{
		name: "app events default to mobile_app",
		in:   `{"id":"a1","type":"app_opened",` + ts + `}`,
		want: `{"id":"a1","type":"app_opened",` + ts + `,"action_source":"mobile_app","data":{"type":"customer_action"}}`,
	},
	{
		name: "app event from a mobile app, opted out",
		in:   `{"id":"a1","type":"app_installed",` + ts + `,"action_source":"mobile_app","opt_out":false}`,
		want: `{"id":"a1","type":"app_installed",` + ts + `,"action_source":"mobile_app","opt_out":false,"data":{"type":"customer_action"}}`,
	},
	{
		name: "strings with escapes and invalid UTF-8 are re-encoded",
		in:   "{\"id\":\"o\\u00e9\\n\\\"1\\ud83d\\ude00\",\"type\":\"order_created\"," + ts + ",\"oppref\":\"a\xffb\"}",
		want: "{\"id\":\"oé\\n\\\"1😀\",\"type\":\"order_created\"," + ts + ",\"oppref\":\"a\uFFFDb\",\"data\":{\"type\":\"contents\"}}",
	},
}

func TestPrepareAccepts(t *testing.T) {
	p, err := NewPreparer(Options{Now: func() time.Time { return testNow }, ValidateSchema: true})
	require.NoError(t, err)
	runAcceptCases(t, p, acceptCases)
}

func TestPrepareDocExample(t *testing.T) {
	p := newTestPreparer(t)
	ev, err := p.Prepare("orders", 1, []byte(docExample))
	require.NoError(t, err)
	want := strings.NewReplacer(`"email_sha256": "b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514"`, `"emails_sha256": ["b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514"]`,
		`"external_id_sha256": "73d8b2b1a3c1f0e5d2b6a7c8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90ab6e"`, `"external_ids_sha256": ["73d8b2b1a3c1f0e5d2b6a7c8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90ab6e"]`,
		`"country": "US"`, `"countries": ["US"]`, `"city": "San Francisco"`, `"cities": ["san francisco"]`,
		`"zip_code": "94107"`, `"postal_codes": ["94107"]`).Replace(docExample)
	assert.JSONEq(t, want, string(ev.JSON), "the pixel names of the June example become the Conversions API lists")
	assert.Equal(t, "order_12345", ev.ID)
	assert.Equal(t, "order_created", ev.Type)
	assert.Nil(t, ev.Dropped)
}

func TestPrepareDerivesID(t *testing.T) {
	p := newTestPreparer(t)
	prepare := func(stream, in string) Event {
		t.Helper()
		ev, err := p.Prepare(stream, 1, []byte(in))
		require.NoError(t, err)
		return ev
	}
	body := `{"type":"lead_created",` + ts + `,"action_source":"email","data":{"type":"customer_action"}}`
	derived := func(hashed string) string {
		sum := sha256.Sum256([]byte(hashed))
		return "ab-" + hex.EncodeToString(sum[:16])
	}

	t.Run("without dropped fields: stream, NUL, event", func(t *testing.T) {
		ev := prepare("leads", `{"data":{"type":"customer_action"},"action_source":"email","_airbyte_raw_id":"r1",`+ts+`,"type":"lead_created"}`)
		want := derived("leads\x00" + body)
		assert.Equal(t, want, ev.ID)
		assert.Equal(t, `{"id":"`+want+`",`+body[1:], string(ev.JSON))
		assertIdempotent(t, p, ev)
	})
	t.Run("with dropped fields: then NUL and their canonical JSON", func(t *testing.T) {
		in := `{"type":"lead_created",` + ts + `,"action_source":"email","lead_ref":"L-1","_ab_cdc_lsn":7,` +
			`"user":{"Phone":"+15551234567","x":{"b":null},"email":"not-an-address"},"data":{"type":"customer_action","score":{"b":2,"a":null,"c":[1,null]}}}`
		ev := prepare("leads", in)
		// The canonical form names the user lists by what they hold, not by
		// their wire names.
		evBody := `{"type":"lead_created",` + ts + `,"action_source":"email","user":{"phone":["` + sha("15551234567") + `"]},"data":{"type":"customer_action"}}`
		dropped := `{"data":{"score":{"b":2,"c":[1]}},"event":{"lead_ref":"L-1"}}` // user fields are left out
		assert.Equal(t, derived("leads\x00"+evBody+"\x00"+dropped), ev.ID)
		assert.NotContains(t, string(ev.JSON), "5551234567", "plaintext is never sent")
		assert.Equal(t, 1, ev.IdentityDropped)
	})

	ord := func(extra string) string {
		return `{"type":"order_created",` + ts + `,"data":{"amount":100,"currency":"USD","contents":[{"id":"a"},{"id":"b"}]}` + extra + `}`
	}
	withItems := func(a, b string) string {
		return `{"type":"order_created",` + ts + `,"data":{"contents":[{"id":"a"` + a + `},{"id":"b"` + b + `}]}}`
	}
	for _, tc := range []struct {
		name    string
		a, b    string
		streamB string // defaults to the stream of a
		sameID  bool
	}{
		{name: "key order", a: ord(`,"lead_ref":"L1","order_number":7`), b: `{"order_number":7,"data":{"contents":[{"id":"a"},{"id":"b"}],"currency":"USD","amount":100},"lead_ref":"L1",` + ts + `,"type":"order_created"}`, sameID: true},
		{name: "metadata columns", a: ord(`,"lead_ref":"L1","_airbyte_raw_id":"r1","_airbyte_extracted_at":1`), b: ord(`,"_airbyte_raw_id":"r2","lead_ref":"L1","_ab_cdc_lsn":9`), sameID: true},
		{name: "metadata in data and items", a: withItems(`,"_ab_x":1`, ""), b: `{"type":"order_created",` + ts + `,"data":{"_airbyte_meta":{},"contents":[{"id":"a"},{"id":"b","_airbyte_y":2}]}}`, sameID: true},
		{name: "nulls in dropped values", a: ord(`,"extra":{"a":null,"b":[1,null]},"gone":null`), b: ord(`,"extra":{"b":[1]}`), sameID: true},
		{name: "same plaintext email, other spelling", a: ord(`,"user":{"email":" Jane@X.com "}`), b: ord(`,"user":{"EMAIL":"jane@x.com"}`), sameID: true},
		{name: "undocumented column value", a: ord(`,"lead_ref":"L1"`), b: ord(`,"lead_ref":"L2"`)},
		{name: "undocumented column present or not", a: ord(`,"order_number":7`), b: ord("")},
		{name: "undocumented column name", a: ord(`,"order_number":7`), b: ord(`,"order_no":7`)},
		// Dropped user fields never go into an id, not even hashed: the id is sent, and a hash of a
		// phone number is reversed by trying every number. Sent identity is hashed already.
		{name: "phone number, sent hashed", a: ord(`,"user":{"phone":"+15551234567"}`), b: ord(`,"user":{"phone":"+15557654321"}`)},
		{name: "phone number in another notation", a: ord(`,"user":{"phone":"+1 (555) 123-4567"}`), b: ord(`,"user":{"PHONE_NUMBERS":[15551234567]}`), sameID: true},
		{name: "pixel names and Conversions API names", a: ord(`,"user":{"email_sha256":"` + digestA + `","country":"us","zip_code":"94107"}`), b: ord(`,"user":{"emails_sha256":["` + digestA + `"],"countries":"[\"US\"]","postal_codes":["94107"]}`), sameID: true},
		{name: "plaintext and its digest", a: ord(`,"user":{"email":"Jane@x.com"}`), b: ord(`,"user":{"email_sha256":"` + sha("jane@x.com") + `"}`), sameID: true},
		{name: "undocumented user field", a: ord(`,"user":{"email_address":"a@x.com"}`), b: ord(`,"user":{"email_address":"b@x.com"}`), sameID: true},
		{name: "user value that fails its rule", a: ord(`,"user":{"email":"a-at-x.com"}`), b: ord(`,"user":{"email":"b-at-x.com"}`), sameID: true},
		{name: "undocumented data field", a: `{"type":"order_created",` + ts + `,"data":{"value":1}}`, b: `{"type":"order_created",` + ts + `,"data":{"value":2}}`},
		{name: "plan_id on contents data", a: `{"type":"order_created",` + ts + `,"data":{"plan_id":"p1"}}`, b: `{"type":"order_created",` + ts + `,"data":{"plan_id":"p2"}}`},
		{name: "item field", a: withItems(`,"colour":"g1"`, ""), b: withItems(`,"colour":"g2"`, "")},
		{name: "item field on another item", a: withItems(`,"colour":"g"`, ""), b: withItems("", `,"colour":"g"`)},
		{name: "section of a dropped field", a: ord(`,"value":1`), b: `{"type":"order_created",` + ts + `,"data":{"amount":100,"currency":"USD","value":1,"contents":[{"id":"a"},{"id":"b"}]}}`},
		{name: "dotted column name and nested field", a: ord(`,"data.value":1`), b: `{"type":"order_created",` + ts + `,"data":{"amount":100,"currency":"USD","value":1,"contents":[{"id":"a"},{"id":"b"}]}}`},
		{name: "source_url query", a: `{"type":"page_viewed",` + ts + `,"source_url":"https://a.example/p?order=1"}`, b: `{"type":"page_viewed",` + ts + `,"source_url":"https://a.example/p?order=2"}`, sameID: true},
		{name: "value type", a: ord(`,"order_number":7`), b: ord(`,"order_number":"7"`)},
		{name: "stream", a: ord(""), b: ord(""), streamB: "other_stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			streamB := tc.streamB
			if streamB == "" {
				streamB = "orders"
			}
			a, b := prepare("orders", tc.a), prepare(streamB, tc.b)
			assert.Regexp(t, `^ab-[0-9a-f]{32}$`, a.ID)
			if tc.sameID {
				assert.Equal(t, a.ID, b.ID, "a replay of the same record must keep its id")
				assert.Equal(t, string(a.JSON), string(b.JSON))
			} else {
				assert.NotEqual(t, a.ID, b.ID, "distinct records must not share an id")
			}
			again := prepare("orders", tc.a)
			assert.Equal(t, a.ID, again.ID, "deterministic")
		})
	}
}

func TestPrepareUsesTheClock(t *testing.T) {
	rec := []byte(`{"id":"o1","type":"order_created",` + ts + `}`)
	later, err := NewPreparer(Options{Now: func() time.Time { return testNow.Add(8 * 24 * time.Hour) }})
	require.NoError(t, err)
	_, err = later.Prepare("s", 1, rec)
	assertRule(t, err, "timestamp_ms", RuleTimestampWindow)
	_, err = newTestPreparer(t).Prepare("s", 1, rec)
	assert.NoError(t, err)
}

// assertIdempotent prepares an accepted event's output again and expects the
// same bytes and id.
func assertIdempotent(t *testing.T, p *Preparer, ev Event) {
	t.Helper()
	again, err := p.Prepare("orders", 1, ev.JSON)
	require.NoError(t, err, "output refused on a second pass")
	assert.Equal(t, string(ev.JSON), string(again.JSON), "second pass changed the output")
	assert.Equal(t, ev.ID, again.ID)
	assert.Nil(t, again.Dropped)
}

// assertSchemaAccepts checks that the published schema accepts a record the
// Go checks accept, so that discover and validation never disagree.
func assertSchemaAccepts(t *testing.T, in string) {
	t.Helper()
	sch, err := compiledSchema()
	require.NoError(t, err)
	v, err := parseValue(in)
	require.NoError(t, err)
	assert.NoError(t, sch.Validate(v), "schema refuses an accepted record")
}

func assertRule(t *testing.T, err error, path, rule string) *Rejection {
	t.Helper()
	var rej *Rejection
	require.True(t, errors.As(err, &rej), "want a *Rejection, got %v", err)
	assert.Equal(t, rule, rej.Rule, "rule (%s)", rej.Error())
	assert.Equal(t, path, rej.Path, "path (%s)", rej.Error())
	return rej
}

func TestRejectionError(t *testing.T) {
	r := &Rejection{Stream: "orders", Record: 12, Path: "data.amount", Rule: RuleAmountInteger, Message: "must be an integer in minor units", Hint: "12999 for 129.99 USD"}
	assert.Equal(t, `stream "orders" record 12: data.amount: amount_integer: must be an integer in minor units (hint: 12999 for 129.99 USD)`, r.Error())
	r = &Rejection{Stream: "s", Record: 1, Rule: RuleJSONObject, Message: "record data must be a JSON object"}
	assert.Equal(t, `stream "s" record 1: json_object: record data must be a JSON object`, r.Error())
}
