package event

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// secret stands for personal data; no rejection may ever contain it.
const secret = "jane.secret@example.com"

type rejectCase struct {
	name, in, path, rule, hint string // hint is checked only when set
}

// ev builds a record of type typ with the given extra members.
func ev(typ, extra string) string {
	if extra != "" {
		extra = "," + extra
	}
	return `{"id":"e1","type":"` + typ + `",` + ts + extra + `}`
}

var rejectCases = []rejectCase{
	{name: "not JSON", in: `{"type":`, rule: RuleJSONSyntax},
	{name: "trailing data", in: `{} {}`, rule: RuleJSONSyntax},
	{name: "an array", in: `[1]`, rule: RuleJSONObject},
	{name: "a string", in: `"` + secret + `"`, rule: RuleJSONObject},
	{name: "duplicate key", in: `{"type":"custom","type":"order_created"}`, rule: RuleJSONDuplicateKey},
	{name: "duplicate undocumented key", in: ev("order_created", `"x":1,"x":2`), rule: RuleJSONDuplicateKey},
	{name: "duplicate data key", in: ev("order_created", `"data":{"x":1,"x":2}`), path: "data", rule: RuleJSONDuplicateKey},
	{name: "duplicate item key", in: ev("order_created", `"data":{"contents":[{"x":1,"x":2}]}`), path: "data.contents[0]", rule: RuleJSONDuplicateKey},
	{name: "duplicate user key", in: ev("order_created", `"user":{"email":"`+secret+`","email":"x"}`), path: "user", rule: RuleJSONDuplicateKey},
	{name: "too deep", in: ev("order_created", `"user":{"x":`+strings.Repeat("[", 80)+strings.Repeat("]", 80)+`}`), rule: RuleJSONDepth},

	{name: "legacy event_name", in: `{"event_name":"order_created",` + ts + `}`, path: "event_name", rule: RuleLegacyField, hint: "use type"},
	{name: "legacy event_time_epoch_ms", in: ev("order_created", `"event_time_epoch_ms":1`), path: "event_time_epoch_ms", rule: RuleLegacyField, hint: "use timestamp_ms"},
	{name: "legacy event_id", in: ev("order_created", `"event_id":"x"`), path: "event_id", rule: RuleLegacyField, hint: "use id"},
	{name: "legacy event_source_url", in: ev("order_created", `"event_source_url":"https://a.b"`), path: "event_source_url", rule: RuleLegacyField, hint: "use source_url"},
	{name: "legacy event_data", in: ev("order_created", `"event_data":{}`), path: "event_data", rule: RuleLegacyField, hint: "use data"},
	{name: "legacy line_items", in: ev("order_created", `"data":{"line_items":[]}`), path: "data.line_items", rule: RuleLegacyField},
	{name: "legacy order shape", in: ev("order_created", `"data":{"order":{}}`), path: "data.order", rule: RuleLegacyField},
	{name: "legacy checkout_session", in: ev("checkout_started", `"data":{"checkout_session":{}}`), path: "data.checkout_session", rule: RuleLegacyField},
	{name: "custom_event_name inside data", in: ev("custom", `"custom_event_name":"a","data":{"custom_event_name":"a"}`), path: "data.custom_event_name", rule: RuleCustomEventNamePlacement, hint: "move it to custom_event_name"},

	{name: "type missing", in: `{"id":"e1",` + ts + `}`, path: "type", rule: RuleTypeRequired},
	{name: "type unknown", in: ev("purchase", ""), path: "type", rule: RuleTypeSupported},
	{name: "type not a string", in: `{"type":7,` + ts + `}`, path: "type", rule: RuleTypeSupported},
	{name: "attribution_appended is unverified", in: ev("attribution_appended", ""), path: "type", rule: RuleTypeSupported},

	{name: "id empty", in: `{"id":"","type":"lead_created",` + ts + `}`, path: "id", rule: RuleIDFormat},
	{name: "id blank", in: `{"id":"  ","type":"lead_created",` + ts + `}`, path: "id", rule: RuleIDFormat},
	{name: "id fractional", in: `{"id":1.5,"type":"lead_created",` + ts + `}`, path: "id", rule: RuleIDFormat},
	{name: "id boolean", in: `{"id":true,"type":"lead_created",` + ts + `}`, path: "id", rule: RuleIDFormat},
	{name: "id object", in: `{"id":{},"type":"lead_created",` + ts + `}`, path: "id", rule: RuleIDFormat},

	{name: "custom without name", in: ev("custom", ""), path: "custom_event_name", rule: RuleCustomEventNameRequired},
	{name: "name on a standard event", in: ev("order_created", `"custom_event_name":"x"`), path: "custom_event_name", rule: RuleCustomEventNameForbidden},
	{name: "name too long", in: ev("custom", `"custom_event_name":"`+strings.Repeat("a", 65)+`"`), path: "custom_event_name", rule: RuleCustomEventNameFormat},
	{name: "name starts with _", in: ev("custom", `"custom_event_name":"_a"`), path: "custom_event_name", rule: RuleCustomEventNameFormat},
	{name: "name ends with -", in: ev("custom", `"custom_event_name":"a-"`), path: "custom_event_name", rule: RuleCustomEventNameFormat},
	{name: "name with a space", in: ev("custom", `"custom_event_name":"quote requested"`), path: "custom_event_name", rule: RuleCustomEventNameFormat},
	{name: "name not ASCII", in: ev("custom", `"custom_event_name":"café"`), path: "custom_event_name", rule: RuleCustomEventNameFormat},
	{name: "name empty", in: ev("custom", `"custom_event_name":""`), path: "custom_event_name", rule: RuleCustomEventNameFormat},
	{name: "name of a standard event", in: ev("custom", `"custom_event_name":"Order_Created"`), path: "custom_event_name", rule: RuleCustomEventNameFormat},
	{name: "name not a string", in: ev("custom", `"custom_event_name":5`), path: "custom_event_name", rule: RuleStringType},

	{name: "timestamp missing", in: `{"type":"lead_created"}`, path: "timestamp_ms", rule: RuleTimestampRequired},
	{name: "timestamp fractional", in: `{"type":"lead_created","timestamp_ms":1773892800000.5}`, path: "timestamp_ms", rule: RuleTimestampFormat},
	{name: "timestamp fractional exponent", in: `{"type":"lead_created","timestamp_ms":1.77389280000051e12}`, path: "timestamp_ms", rule: RuleTimestampFormat},
	{name: "timestamp huge exponent", in: `{"type":"lead_created","timestamp_ms":1e999999999}`, path: "timestamp_ms", rule: RuleTimestampFormat},
	{name: "timestamp words", in: `{"type":"lead_created","timestamp_ms":"yesterday"}`, path: "timestamp_ms", rule: RuleTimestampFormat},
	{name: "timestamp boolean", in: `{"type":"lead_created","timestamp_ms":true}`, path: "timestamp_ms", rule: RuleTimestampFormat},
	{name: "timestamp 8 days old", in: `{"type":"lead_created","timestamp_ms":1773201600000}`, path: "timestamp_ms", rule: RuleTimestampWindow, hint: "send only events from the last 7 days"},
	{name: "timestamp one ms too old", in: `{"type":"lead_created","timestamp_ms":1773288299999}`, path: "timestamp_ms", rule: RuleTimestampWindow},
	{name: "timestamp in seconds", in: `{"type":"lead_created","timestamp_ms":1773892800}`, path: "timestamp_ms", rule: RuleTimestampWindow, hint: "the value looks like seconds; multiply by 1000"},
	{name: "timestamp 11 minutes ahead", in: `{"type":"lead_created","timestamp_ms":1773893760000}`, path: "timestamp_ms", rule: RuleTimestampWindow},
	{name: "timestamp in microseconds", in: `{"type":"lead_created","timestamp_ms":1773892800000000}`, path: "timestamp_ms", rule: RuleTimestampWindow, hint: "the value looks like microseconds; divide by 1000"},

	{name: "action_source unknown", in: ev("lead_created", `"action_source":"app"`), path: "action_source", rule: RuleActionSourceEnum},
	{name: "action_source number", in: ev("lead_created", `"action_source":1`), path: "action_source", rule: RuleActionSourceEnum},
	{name: "web without source_url", in: ev("lead_created", `"action_source":"web"`), path: "source_url", rule: RuleSourceURLRequired},
	{name: "relative source_url", in: ev("lead_created", `"source_url":"/checkout"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "ftp source_url", in: ev("lead_created", `"source_url":"ftp://a.example/x"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url without host", in: ev("lead_created", `"action_source":"web","source_url":"https:///x"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url with a space", in: ev("lead_created", `"source_url":"https://a.example/a b"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url with an unclosed IP literal", in: ev("lead_created", `"source_url":"http://[::1"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url with a backslash in the host", in: ev("lead_created", `"source_url":"https://a.example\\x"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url with a bad escape in the host", in: ev("lead_created", `"source_url":"https://%zz/x"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url with a bad escape in the path", in: ev("lead_created", `"source_url":"https://a.example/%zz"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url with a bad port", in: ev("lead_created", `"source_url":"https://a.example:https/x"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url with only a port", in: ev("lead_created", `"source_url":"https://:443/x"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url with only user info", in: ev("lead_created", `"source_url":"https://user:pass@/x"`), path: "source_url", rule: RuleSourceURLAbsolute},
	{name: "source_url not a string", in: ev("lead_created", `"source_url":5`), path: "source_url", rule: RuleStringType},
	{name: "oppref not a string", in: ev("lead_created", `"oppref":5`), path: "oppref", rule: RuleStringType},
	{name: "opt_out as other text", in: ev("lead_created", `"opt_out":"yes"`), path: "opt_out", rule: RuleOptOutBoolean},

	{name: "user a number", in: ev("lead_created", `"user":5`), path: "user", rule: RuleUserObject},
	{name: "user an array", in: ev("lead_created", `"user":[]`), path: "user", rule: RuleUserObject},
	{name: "user text of an array", in: ev("lead_created", `"user":"[1]"`), path: "user", rule: RuleUserObject},
	{name: "user broken text", in: ev("lead_created", `"user":"{\"email\":\"`+secret+`\""`), path: "user", rule: RuleUserObject},
	{name: "user text with trailing data", in: ev("lead_created", `"user":"{} x"`), path: "user", rule: RuleUserObject},
	{name: "country a number", in: ev("lead_created", `"user":{"country":840}`), path: "user.country", rule: RuleStringType},
	{name: "country list with a number", in: ev("lead_created", `"user":{"countries":["US",840]}`), path: "user.countries", rule: RuleStringType},
	{name: "email an object", in: ev("lead_created", `"user":{"emails":{"a":"`+secret+`"}}`), path: "user.emails", rule: RuleStringType},
	{name: "digest a number", in: ev("lead_created", `"user":{"email_sha256":5}`), path: "user.email_sha256", rule: RuleStringType},
	{name: "digest list with a boolean", in: ev("lead_created", `"user":{"phone_numbers_sha256":[true]}`), path: "user.phone_numbers_sha256", rule: RuleStringType},
	{name: "phone list with an object", in: ev("lead_created", `"user":{"phone":[{"n":"+15551234567"}]}`), path: "user.phone", rule: RuleStringType},
	{name: "ip address a number", in: ev("lead_created", `"user":{"IP_Address":2130706433}`), path: "user.IP_Address", rule: RuleStringType},
	{name: "obref a list", in: ev("lead_created", `"user":{"obref":["x"]}`), path: "user.obref", rule: RuleStringType},
	{name: "plural and singular in two letter cases", in: ev("lead_created", `"user":{"emails":["`+secret+`"],"EMAILS":"x"}`), path: "user", rule: RuleJSONDuplicateKey},
	{name: "duplicate undocumented user key", in: ev("lead_created", `"user":{"nickname":"a","nickname":"b"}`), path: "user", rule: RuleJSONDuplicateKey},
	{name: "action_source other than mobile_app on an app event", in: ev("app_opened", `"action_source":"web","source_url":"https://a.example/"`), path: "action_source", rule: RuleActionSourceApp},
	{name: "variant_dict with a number", in: ev("order_created", `"data":{"contents":[{"id":"s","variant_dict":{"size":42}}]}`), path: "data.contents[0].variant_dict", rule: RuleVariantDictStrings},
	{name: "variant_dict a string", in: ev("order_created", `"data":{"contents":[{"variant_dict":"M"}]}`), path: "data.contents[0].variant_dict", rule: RuleVariantDictStrings},
	{name: "group_id a boolean", in: ev("order_created", `"data":{"contents":[{"group_id":true}]}`), path: "data.contents[0].group_id", rule: RuleStringType},
	{name: "custom data too large", in: ev("custom", `"custom_event_name":"quote","data":{"note":"`+strings.Repeat("x", maxCustomDataBytes)+`"}`), path: "data", rule: RuleCustomDataSize},
	{name: "email not a string", in: ev("lead_created", `"user":{"email":5}`), path: "user.email", rule: RuleStringType},
	{name: "email in two letter cases", in: ev("lead_created", `"user":{"email":"`+secret+`","EMAIL":"x"}`), path: "user", rule: RuleJSONDuplicateKey},
	{name: "digest in two letter cases", in: ev("lead_created", `"user":{"email_sha256":"`+digestA+`","Email_SHA256":"`+digestA+`"}`), path: "user", rule: RuleJSONDuplicateKey},
	{name: "duplicate phone key", in: ev("lead_created", `"user":{"Phone":"+15551234567","Phone":"1"}`), path: "user", rule: RuleJSONDuplicateKey},
	{name: "upper-case email not a string", in: ev("lead_created", `"user":{"EMAIL":5}`), path: "user.EMAIL", rule: RuleStringType},
	{name: "upper-case external id not a string", in: ev("lead_created", `"user":{"External_ID":{}}`), path: "user.External_ID", rule: RuleStringType},

	{name: "data a number", in: ev("lead_created", `"data":5`), path: "data", rule: RuleJSONObject},
	{name: "data text of an array", in: ev("lead_created", `"data":"[]"`), path: "data", rule: RuleJSONObject},
	{name: "data broken text", in: ev("lead_created", `"data":"{"`), path: "data", rule: RuleJSONObject},
	{name: "data type of another shape", in: ev("order_created", `"data":{"type":"customer_action"}`), path: "data.type", rule: RuleDataTypeMatches, hint: `"contents" for this event type, or leave it out`},
	{name: "data type not a string", in: ev("order_created", `"data":{"type":5}`), path: "data.type", rule: RuleDataTypeMatches},
	{name: "contents on a lead", in: ev("lead_created", `"data":{"contents":[]}`), path: "data.contents", rule: RuleContentsForbidden},
	{name: "contents an object", in: ev("order_created", `"data":{"contents":{}}`), path: "data.contents", rule: RuleContentsArray},
	{name: "contents broken text", in: ev("order_created", `"data":{"contents":"[{"}`), path: "data.contents", rule: RuleContentsArray},
	{name: "content item not an object", in: ev("order_created", `"data":{"contents":[{"id":"a"},"b"]}`), path: "data.contents[1]", rule: RuleContentObject},
	{name: "item id empty", in: ev("order_created", `"data":{"contents":[{"id":""}]}`), path: "data.contents[0].id", rule: RuleStringType},
	{name: "item name a number", in: ev("order_created", `"data":{"contents":[{"name":5}]}`), path: "data.contents[0].name", rule: RuleStringType},
	{name: "plan_id boolean", in: ev("trial_started", `"data":{"plan_id":true}`), path: "data.plan_id", rule: RuleStringType},
	{name: "plan_id boolean where it is dropped", in: ev("order_created", `"data":{"plan_id":true}`), path: "data.plan_id", rule: RuleStringType},
	{name: "plan_id fractional where it is dropped", in: ev("lead_created", `"data":{"plan_id":1.5}`), path: "data.plan_id", rule: RuleStringType},

	{name: "amount in major units", in: ev("order_created", `"data":{"amount":129.99,"currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger, hint: "amounts are integers in minor units; USD has 2 decimals, so multiply by 100"},
	{name: "amount in major units, KWD", in: ev("order_created", `"data":{"amount":12.345,"currency":"kwd"}`), path: "data.amount", rule: RuleAmountInteger, hint: "amounts are integers in minor units; KWD has 3 decimals, so multiply by 1000"},
	{name: "amount in major units, JPY", in: ev("order_created", `"data":{"amount":1500.5,"currency":"JPY"}`), path: "data.amount", rule: RuleAmountInteger, hint: "amounts are integers in minor units; JPY has none, so send whole JPY"},
	{name: "amount in major units, no currency", in: ev("order_created", `"data":{"amount":9.99}`), path: "data.amount", rule: RuleAmountInteger, hint: "amounts are integers in minor units, e.g. 12999 for 129.99 USD"},
	{name: "item amount in major units", in: ev("order_created", `"data":{"currency":"EUR","contents":[{"amount":9.99}]}`), path: "data.contents[0].amount", rule: RuleAmountInteger, hint: "amounts are integers in minor units; EUR has 2 decimals, so multiply by 100"},
	{name: "amount as the text of a fraction", in: ev("order_created", `"data":{"amount":"129.99","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger},
	{name: "amount negative", in: ev("order_created", `"data":{"amount":-5,"currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger},
	{name: "amount beyond int64", in: ev("order_created", `"data":{"amount":99999999999999999999,"currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger, hint: hintAmountTooLarge},
	{name: "amount 1e19", in: ev("order_created", `"data":{"amount":1e19,"currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger, hint: hintAmountTooLarge},
	{name: "amount 2^63", in: ev("order_created", `"data":{"amount":9223372036854775808,"currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger, hint: hintAmountTooLarge},
	{name: "amount 1e400", in: ev("order_created", `"data":{"amount":1e400,"currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger, hint: hintAmountTooLarge},
	{name: "amount as the text of a huge integer", in: ev("order_created", `"data":{"amount":"1000000000000000000000","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger, hint: hintAmountTooLarge},
	{name: "item amount beyond int64", in: ev("order_created", `"data":{"currency":"EUR","contents":[{"amount":1e25}]}`), path: "data.contents[0].amount", rule: RuleAmountInteger, hint: hintAmountTooLarge},
	{name: "amount without currency", in: ev("order_created", `"data":{"amount":12999}`), path: "data.currency", rule: RuleCurrencyRequired},
	{name: "item amount without any currency", in: ev("order_created", `"data":{"contents":[{"amount":5}]}`), path: "data.contents[0].currency", rule: RuleCurrencyRequired},
	{name: "currency two letters", in: ev("order_created", `"data":{"currency":"US"}`), path: "data.currency", rule: RuleCurrencyISO4217},
	{name: "currency not ISO 4217", in: ev("order_created", `"data":{"currency":"XYZ"}`), path: "data.currency", rule: RuleCurrencyISO4217},
	{name: "currency withdrawn", in: ev("order_created", `"data":{"currency":"HRK"}`), path: "data.currency", rule: RuleCurrencyISO4217},
	{name: "currency numeric code", in: ev("order_created", `"data":{"currency":840}`), path: "data.currency", rule: RuleCurrencyISO4217},
	{name: "item currency unknown", in: ev("order_created", `"data":{"contents":[{"currency":"ABC"}]}`), path: "data.contents[0].currency", rule: RuleCurrencyISO4217},
	{name: "quantity zero", in: ev("order_created", `"data":{"contents":[{"quantity":0}]}`), path: "data.contents[0].quantity", rule: RuleQuantityPositive},
	{name: "quantity negative", in: ev("order_created", `"data":{"contents":[{"quantity":-1}]}`), path: "data.contents[0].quantity", rule: RuleQuantityPositive},
	{name: "quantity fractional", in: ev("order_created", `"data":{"contents":[{"quantity":1.5}]}`), path: "data.contents[0].quantity", rule: RuleQuantityPositive},
	{name: "an event longer than MaxEventBytes", in: ev("order_created", `"data":{"currency":"USD","contents":[`+
		strings.Repeat(`{"id":"sku-0000000001","quantity":1},`, testMaxEventBytes/30)+`{"id":"last"}]}`), path: "", rule: RuleEventSize},
	{name: "quantity as the text of a fraction", in: ev("order_created", `"data":{"contents":[{"quantity":"2.5"}]}`), path: "data.contents[0].quantity", rule: RuleQuantityPositive},
}

func TestPrepareRejects(t *testing.T) {
	p := newTestPreparer(t)
	for _, tc := range rejectCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Prepare("orders", 7, []byte(tc.in))
			rej := assertRule(t, err, tc.path, tc.rule)
			assert.Equal(t, "orders", rej.Stream)
			assert.EqualValues(t, 7, rej.Record)
			assert.NotEmpty(t, rej.Message)
			if tc.hint != "" {
				assert.Equal(t, tc.hint, rej.Hint)
			}
			assert.NotContains(t, rej.Error(), secret, "a rejection must not echo personal data")
			assert.NotContains(t, rej.Error(), "+1555", "a rejection must not echo personal data")
		})
	}
}

// TestRuleNamesAreDocumented keeps the package documentation's rule table in
// step with the rules the tests exercise.
func TestRuleNamesAreDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range append(rejectCases, valueFormCases()...) {
		seen[tc.rule] = true
	}
	for _, rule := range allRules {
		if rule != RuleSchema {
			assert.True(t, seen[rule], "no test refuses a record with rule %s", rule)
		}
		assert.Contains(t, packageDoc(t), "| `"+rule+"` |", "rule %s missing from the package documentation", rule)
	}
}
