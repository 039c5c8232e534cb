package event

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flatAcceptCases are records with user_<field> and data_<field> columns.
var flatAcceptCases = []acceptCase{
	{
		name: "a plain table row without any JSON column, as in the README",
		in:   `{"id":"order_12345","type":"ORDER_CREATED",` + ts + `,"user_email":"Jane@Example.com","data_amount":12999,"data_currency":"usd"}`,
		want: `{"id":"order_12345","type":"order_created",` + ts + `,"user":{"emails_sha256":["` + sha("jane@example.com") + `"]},"data":{"type":"contents","amount":12999,"currency":"USD"}}`,
	},
	{
		name: "a plain table row with text-typed values",
		in:   `{"id":98765,"type":"ORDER_CREATED",` + ts + `,"action_source":"OFFLINE","opt_out":"false","user_country":"US","data_amount":"12999","data_currency":"usd","data_type":"CONTENTS"}`,
		want: `{"id":"98765","type":"order_created",` + ts + `,"action_source":"offline","user":{"countries":["US"]},"opt_out":false,"data":{"type":"contents","amount":12999,"currency":"USD"}}`,
	},
	{
		name: "flat columns merged into nested objects",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"data_amount":500,"user":{"country":"US"},"user_city":"Paris","data":{"currency":"EUR"}}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"countries":["US"],"cities":["paris"]},"data":{"type":"contents","amount":500,"currency":"EUR"}}`,
	},
	{
		name: "flat columns merged into JSON text",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":"{\"country\":\"US\"}","user_zip_code":"94107","data":"{\"currency\":\"EUR\"}","data_amount":"500"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"countries":["US"],"postal_codes":["94107"]},"data":{"type":"contents","amount":500,"currency":"EUR"}}`,
	},
	{
		name: "flat columns next to blank JSON text and null objects",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":" ","user_country":"US","data":null,"data_currency":"EUR"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"countries":["US"]},"data":{"type":"contents","currency":"EUR"}}`,
	},
	{
		name: "contents as a flat array and as flat JSON text",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"data_currency":"USD","data_contents":[{"id":7,"quantity":"2","amount":1999}]}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents","currency":"USD","contents":[{"id":"7","quantity":2,"amount":1999}]}}`,
	},
	{
		name: "contents as flat JSON text",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"data_contents":"[{\"id\":\"s\",\"quantity\":1}]"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents","contents":[{"id":"s","quantity":1}]}}`,
	},
	{
		name: "plan_id and type of plan enrollment data",
		in:   `{"id":"t1","type":"trial_started",` + ts + `,"data_type":"plan_enrollment","data_plan_id":42}`,
		want: `{"id":"t1","type":"trial_started",` + ts + `,"data":{"type":"plan_enrollment","plan_id":"42"}}`,
	},
	{
		name: "the same value given both ways is sent once",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user":{"country":"US"},"user_country":"US","data":{"amount":12999,"currency":"USD","contents":[{"id":"a","x":null}]},"data_amount":12999.0,"data_contents":[{"id":"a"}]}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"countries":["US"]},"data":{"type":"contents","amount":12999,"currency":"USD","contents":[{"id":"a"}]}}`,
	},
	{
		name: "null columns count as absent",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user_email":null,"data_amount":null,"user":{"country":null},"user_country":"US"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"countries":["US"]},"data":{"type":"contents"}}`,
	},
	{
		name: "a null nested field gives way to its column",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"data":{"currency":null},"data_currency":"EUR"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents","currency":"EUR"}}`,
	},
	{
		name: "all flat columns null",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user_email":null,"data_amount":null}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "user fields by name, in any letter case, dropped ones named by their column",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user_EMAIL":"a@x.com","user_phone":"+15551234567","user_External_ID":"c42"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"emails_sha256":["` + sha("a@x.com") + `"],"phone_numbers_sha256":["` + sha("15551234567") + `"],"external_ids_sha256":["` + sha("c42") + `"]},"data":{"type":"contents"}}`,
	},
	{
		name:    "undocumented data columns are dropped under their column name",
		in:      `{"id":"o1","type":"order_created",` + ts + `,"data_coupon":"X","data_plan_id":"p","data_contents":[{"id":"s","colour":"red"}],"data_":1,"user_":2}`,
		want:    `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents","contents":[{"id":"s"}]}}`,
		dropped: []Dropped{{"data_", "not a documented field, so it is not sent"}, {"data_contents[].colour", "not a documented field, so it is not sent"}, {"data_coupon", "not a documented field, so it is not sent"}, {"data_plan_id", "not a field of contents data"}, {"user_", "not a documented field, so it is not sent"}},
	},
	{
		name: "the column user_agent is user.user_agent",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user_agent":"Mozilla/5.0","user_ip_address":"203.0.113.1"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"ip_address":"203.0.113.1","user_agent":"Mozilla/5.0"},"data":{"type":"contents"}}`,
	},
	{
		name: "the column user_user_agent is user.user_agent too",
		in:   `{"id":"o1","type":"order_created",` + ts + `,"user_user_agent":"Mozilla/5.0","user_agent":"Mozilla/5.0"}`,
		want: `{"id":"o1","type":"order_created",` + ts + `,"user":{"user_agent":"Mozilla/5.0"},"data":{"type":"contents"}}`,
	},
	{
		name:    "prefixes are lower case: other spellings are undocumented columns",
		in:      `{"id":"o1","type":"order_created",` + ts + `,"USER_COUNTRY":"US","Data_Amount":5}`,
		want:    `{"id":"o1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
		dropped: []Dropped{{"Data_Amount", "not a documented field, so it is not sent"}, {"USER_COUNTRY", "not a documented field, so it is not sent"}},
	},
}

func TestPrepareAcceptsFlatColumns(t *testing.T) {
	runAcceptCases(t, newTestPreparer(t), flatAcceptCases)
}

// flatRejectCases refuse conflicting columns, and name the column of a field
// that breaks a rule.
var flatRejectCases = []messageCase{
	{rejectCase{name: "a field given both ways with different values", in: ev("order_created", `"user_email":"`+secret+`","user":{"email":"b@x.com"}`), path: "user_email", rule: RuleFlatConflict,
		hint: "give each field once: as a user_ column or inside user"}, "is also given as user.email, with a different value"},
	{rejectCase{name: "a field given both ways, nested as JSON text", in: ev("order_created", `"data":"{\"amount\":100,\"currency\":\"USD\"}","data_amount":101`), path: "data_amount", rule: RuleFlatConflict}, "is also given as data.amount, with a different value"},
	{rejectCase{name: "a number and its text differ", in: ev("order_created", `"data":{"amount":100,"currency":"USD"},"data_amount":"100"`), path: "data_amount", rule: RuleFlatConflict}, "is also given as data.amount, with a different value"},
	{rejectCase{name: "contents given both ways, differently", in: ev("order_created", `"data":{"contents":[{"id":"a"}]},"data_contents":[{"id":"b"}]`), path: "data_contents", rule: RuleFlatConflict}, "is also given as data.contents, with a different value"},
	{rejectCase{name: "two columns for user_agent", in: ev("order_created", `"user_agent":"a","user_user_agent":"b"`), path: "user_user_agent", rule: RuleFlatConflict}, "is also given as user_agent, with a different value"},
	{rejectCase{name: "an amount column in major units", in: ev("order_created", `"data_amount":"45.67","data_currency":"USD"`), path: "data_amount", rule: RuleAmountInteger}, "is a string that is not a whole number, wants an integer number of minor units"},
	{rejectCase{name: "a quantity inside a contents column", in: ev("order_created", `"data_contents":[{"quantity":0}]`), path: "data_contents[0].quantity", rule: RuleQuantityPositive}, "must be a positive integer"},
	{rejectCase{name: "a data type column of another shape", in: ev("order_created", `"data_type":"custom"`), path: "data_type", rule: RuleDataTypeMatches}, "does not match the event type"},
	{rejectCase{name: "a currency column without a code", in: ev("order_created", `"data_currency":"dollars"`), path: "data_currency", rule: RuleCurrencyISO4217}, "must be a three-letter ISO 4217 currency code"},
	{rejectCase{name: "contents column on a lead", in: ev("lead_created", `"data_contents":[]`), path: "data_contents", rule: RuleContentsForbidden}, "is not allowed in customer_action data"},
	{rejectCase{name: "a country column of the wrong type", in: ev("order_created", `"user_country":840`), path: "user_country", rule: RuleStringType}, ""}, // the user rules word it
}

// flatRefusedAsWithout are records whose flat columns cannot be merged; they
// are refused for the rule they break without them.
var flatRefusedAsWithout = []rejectCase{
	{name: "user not an object", in: ev("order_created", `"user":5,"user_email":"`+secret+`"`), path: "user", rule: RuleUserObject},
	{name: "user text of an array", in: ev("order_created", `"user":"[1]","user_email":"`+secret+`"`), path: "user", rule: RuleUserObject},
	{name: "user broken text", in: ev("order_created", `"user":"{\"a\":","user_email":"`+secret+`"`), path: "user", rule: RuleUserObject},
	{name: "data text of an array", in: ev("order_created", `"data":"[]","data_amount":5`), path: "data", rule: RuleJSONObject},
	{name: "a column twice", in: ev("order_created", `"data_amount":5,"data_amount":6`), rule: RuleJSONDuplicateKey},
	{name: "user twice", in: ev("order_created", `"user":{},"user_country":"US","user":{}`), rule: RuleJSONDuplicateKey},
	{name: "a duplicate key in nested data", in: ev("order_created", `"data":{"currency":"USD","currency":"EUR"},"data_amount":5`), path: "data", rule: RuleJSONDuplicateKey},
	{name: "trailing data", in: ev("order_created", `"data_amount":5`) + ` {}`, rule: RuleJSONSyntax},
	{name: "a syntax error after a column", in: `{"type":"order_created","data_amount":5,"x":}`, rule: RuleJSONSyntax},
}

func TestPrepareRejectsFlatColumns(t *testing.T) {
	runMessageCases(t, flatRejectCases)
	p := newTestPreparer(t)
	for _, tc := range flatRefusedAsWithout {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Prepare("orders", 7, []byte(tc.in))
			rej := assertRule(t, err, tc.path, tc.rule)
			assert.NotContains(t, rej.Error(), secret, "a rejection must not echo personal data")
		})
	}
}

// TestFlatColumnsAreTheNestedRecord checks that a record written with flat
// columns is sent exactly as the same record written nested, with the same
// derived id, whatever the order of the columns.
func TestFlatColumnsAreTheNestedRecord(t *testing.T) {
	p := newTestPreparer(t)
	readme := func(in string) Event {
		ev, err := p.Prepare("orders", 1, []byte(in))
		require.NoError(t, err)
		return ev
	}
	assert.Equal(t, readme(`{"id":"order_12345","type":"order_created",`+ts+`,"user":{"email":"Jane@Example.com"},"data":{"amount":12999,"currency":"usd"}}`),
		readme(`{"id":"order_12345","type":"ORDER_CREATED",`+ts+`,"user_email":"Jane@Example.com","data_amount":12999,"data_currency":"usd"}`), "the README's example")
	nested := `{"type":"order_created",` + ts + `,"lead_ref":"L1","user":{"email":"a@x.com","phone":"+15551234567"},` +
		`"data":{"amount":100,"currency":"USD","coupon":"X","contents":[{"id":"a","colour":"red"}]}}`
	for _, tc := range []struct{ name, in string }{
		{"all flat", `{"type":"order_created",` + ts + `,"lead_ref":"L1","user_email":"a@x.com","user_phone":"+15551234567",` +
			`"data_amount":100,"data_currency":"USD","data_coupon":"X","data_contents":[{"id":"a","colour":"red"}]}`},
		{"flat first, in another order", `{"data_contents":[{"colour":"red","id":"a"}],"data_coupon":"X","user_phone":"+15551234567","data_currency":"USD",` +
			`"data_amount":"100","user_email":"a@x.com","lead_ref":"L1","type":"order_created",` + ts + `}`},
		{"half flat", `{"type":"order_created",` + ts + `,"lead_ref":"L1","user":{"phone":"+15551234567"},"user_email":"a@x.com",` +
			`"data":"{\"coupon\":\"X\",\"contents\":[{\"id\":\"a\",\"colour\":\"red\"}]}","data_amount":100,"data_currency":"USD"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := p.Prepare("orders", 1, []byte(nested))
			require.NoError(t, err)
			got, err := p.Prepare("orders", 1, []byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, string(want.JSON), string(got.JSON))
			assert.Equal(t, want.ID, got.ID, "a derived id does not depend on how the record was written")
			assertSchemaAccepts(t, tc.in)
		})
	}
}

func TestFlatColumn(t *testing.T) {
	c := flatColumns{
		user: []flatMember{{key: "email", column: "user_email"}, {key: "user_agent", column: "user_agent"}},
		data: []flatMember{{key: "contents", column: "data_contents"}},
	}
	for _, tc := range []struct{ name, path, want string }{
		{"user field", "user.email", "user_email"},
		{"user_agent column", "user.user_agent", "user_agent"},
		{"below a data field", "data.contents[0].quantity", "data_contents[0].quantity"},
		{"item field without index", "data.contents[].colour", "data_contents[].colour"},
		{"a field that was nested", "data.amount", "data.amount"},
		{"a longer field name", "user.emails", "user.emails"},
		{"the object itself", "user", "user"},
		{"a top-level field", "type", "type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, c.column(tc.path))
		})
	}
}

func TestSameJSON(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		same       bool
	}{
		{"equal text", `"a"`, `"a"`, true},
		{"escapes", `"\u0061"`, `"a"`, true},
		{"integral numbers", `100`, `1e2`, true},
		{"fractions compared as written", `1.5`, `1.50`, false},
		{"number and text", `100`, `"100"`, false},
		{"key order and nulls", `{"a":1,"b":null,"c":[2]}`, `{"c":[2],"a":1}`, true},
		{"different strings", `"a"`, `"b"`, false},
		{"different arrays", `[1,2]`, `[2,1]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.same, sameJSON(tc.a, tc.b))
		})
	}
}

// TestSchemaOffersFlatColumns checks the flat properties discover publishes:
// one per user and data field, with the nested field's types, and none that
// collides with a documented top-level field.
func TestSchemaOffersFlatColumns(t *testing.T) {
	var s struct {
		Properties map[string]struct {
			Type        any    `json:"type"`
			Pattern     string `json:"pattern"`
			Description string `json:"description"`
			Properties  map[string]struct {
				Type    any    `json:"type"`
				Pattern string `json:"pattern"`
			} `json:"properties"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(Schema(), &s))
	var flat []string
	for name := range s.Properties {
		if isFlatKey(name) {
			flat = append(flat, name)
			assert.NotContains(t, eventFieldNames, name)
		}
	}
	for _, name := range []string{"user_email", "user_country", "user_agent", "data_type", "data_amount", "data_currency", "data_plan_id", "data_contents"} {
		assert.Contains(t, flat, name)
	}
	assert.NotContains(t, flat, "user_user_agent", "a field named with its prefix is its own column")
	for nested, column := range map[string]string{"user.email": "user_email", "user.user_agent": "user_agent", "data.amount": "data_amount", "data.contents": "data_contents", "data.type": "data_type"} {
		obj, field, _ := strings.Cut(nested, ".")
		want := s.Properties[obj].Properties[field]
		got := s.Properties[column]
		assert.Equal(t, want.Type, got.Type, "type of %s", column)
		assert.Equal(t, want.Pattern, got.Pattern, "pattern of %s", column)
		assert.True(t, strings.HasPrefix(got.Description, "The field "+nested+" as a top-level column."), "description of %s: %s", column, got.Description)
		assert.Equal(t, strings.TrimSpace(got.Description), got.Description, "description of %s", column)
	}
	assert.Len(t, flat, len(s.Properties["user"].Properties)+len(s.Properties["data"].Properties), "one column per field of user and data")
}

// benchRecordFlat is benchRecord written as a plain table row: flat user_ and
// data_ columns, the amount as text.
const benchRecordFlat = `{"id":"order_982731","type":"order_created","timestamp_ms":1773892800000,` +
	`"oppref":"oppref_7f3a9c2e41b84d0c","source_url":"https://shop.example.com/checkout/confirmation",` +
	`"action_source":"web","user_email":" Jane.Doe@Example.com ","user_country":"US","user_city":"San Francisco",` +
	`"user_zip_code":"94107","user_ip_address":"203.0.113.1","user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15",` +
	`"data_type":"contents","data_amount":"12999","data_currency":"USD","data_contents":[{"id":"sku_4411","name":"Trail running shoe",` +
	`"content_type":"product","quantity":1,"amount":12999,"currency":"USD"}]}`

// BenchmarkPrepareFlatColumns measures the flat-column path: the scan that
// stops at the first column, the rebuild and the second scan.
func BenchmarkPrepareFlatColumns(b *testing.B) {
	p := newTestPreparer(b)
	data := []byte(benchRecordFlat)
	want, err := p.Prepare("orders", 1, []byte(benchRecord))
	require.NoError(b, err)
	got, err := p.Prepare("orders", 1, data)
	require.NoError(b, err)
	require.Equal(b, string(want.JSON), string(got.JSON), "the flat record is the benchmark record")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Prepare("orders", 1, data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFlatColumnsKeepThePreparersSettings checks that a record with flat columns, which is
// scanned a second time, is still read with the Preparer's options: its time zone for a
// timestamp without a zone, and its default action source.
func TestFlatColumnsKeepThePreparersSettings(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	p, err := NewPreparer(Options{Now: func() time.Time { return testNow }, TimeZone: tokyo, DefaultActionSource: "offline"})
	require.NoError(t, err)
	wall := testNow.Add(-time.Hour).In(tokyo).Format("2006-01-02 15:04:05")
	want := `{"id":"o1","type":"order_created","timestamp_ms":` + strconv.FormatInt(testNow.Add(-time.Hour).UnixMilli(), 10) +
		`,"action_source":"offline","user":{"countries":["US"]},"data":{"type":"contents"}}`
	for name, rec := range map[string]string{
		"nested": `{"id":"o1","type":"order_created","timestamp_ms":"` + wall + `","user":{"country":"US"}}`,
		"flat":   `{"id":"o1","type":"order_created","timestamp_ms":"` + wall + `","user_country":"US"}`,
	} {
		ev, err := p.Prepare("s", 1, []byte(rec))
		require.NoError(t, err, name)
		assert.Equal(t, want, string(ev.JSON), name)
	}
}
