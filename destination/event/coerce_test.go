package event

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// textAcceptCases are records whose values are typed as text, or enum values
// in another letter case, that are converted exactly.
var textAcceptCases = []acceptCase{
	{
		name: "amount and currency as text",
		in:   ev("order_created", `"data":{"amount":"12999","currency":"usd"}`),
		want: `{"id":"e1","type":"order_created",` + ts + `,"data":{"type":"contents","amount":12999,"currency":"USD"}}`,
	},
	{
		name: "zero amount as text",
		in:   ev("trial_started", `"data":{"amount":"0","currency":"EUR","plan_id":"pro"}`),
		want: `{"id":"e1","type":"trial_started",` + ts + `,"data":{"type":"plan_enrollment","amount":0,"currency":"EUR","plan_id":"pro"}}`,
	},
	{
		name: "item quantity and amount as text, numeric item id",
		in:   ev("order_created", `"data":{"currency":"USD","contents":[{"id":4411,"quantity":"2","amount":"1999"}]}`),
		want: `{"id":"e1","type":"order_created",` + ts + `,"data":{"type":"contents","currency":"USD","contents":[{"id":"4411","quantity":2,"amount":1999}]}}`,
	},
	{
		name: "items as JSON text with text quantities",
		in:   ev("items_added", `"data":{"contents":"[{\"id\":\"s\",\"quantity\":\"3\"}]"}`),
		want: `{"id":"e1","type":"items_added",` + ts + `,"data":{"type":"contents","contents":[{"id":"s","quantity":3}]}}`,
	},
	{
		name: "opt_out as the text true",
		in:   ev("lead_created", `"opt_out":"true"`),
		want: `{"id":"e1","type":"lead_created",` + ts + `,"opt_out":true,"data":{"type":"customer_action"}}`,
	},
	{
		name: "opt_out as the text FALSE",
		in:   ev("lead_created", `"opt_out":"FALSE"`),
		want: `{"id":"e1","type":"lead_created",` + ts + `,"opt_out":false,"data":{"type":"customer_action"}}`,
	},
	{
		name: "opt_out as the text True",
		in:   ev("lead_created", `"opt_out":"True"`),
		want: `{"id":"e1","type":"lead_created",` + ts + `,"opt_out":true,"data":{"type":"customer_action"}}`,
	},
	{
		name: "type in upper case",
		in:   ev("ORDER_CREATED", ""),
		want: `{"id":"e1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "type in mixed case",
		in:   ev("Lead_Created", ""),
		want: `{"id":"e1","type":"lead_created",` + ts + `,"data":{"type":"customer_action"}}`,
	},
	{
		name: "custom type in upper case with its name",
		in:   ev("CUSTOM", `"custom_event_name":"Quote_Requested"`),
		want: `{"id":"e1","type":"custom",` + ts + `,"custom_event_name":"Quote_Requested","data":{"type":"custom"}}`,
	},
	{
		name: "action_source in upper case",
		in:   ev("page_viewed", `"action_source":"WEB","source_url":"https://a.example/p"`),
		want: `{"id":"e1","type":"page_viewed",` + ts + `,"source_url":"https://a.example/p","action_source":"web","data":{"type":"contents"}}`,
	},
	{
		name: "action_source in mixed case",
		in:   ev("app_opened", `"action_source":"Mobile_App"`),
		want: `{"id":"e1","type":"app_opened",` + ts + `,"action_source":"mobile_app","data":{"type":"customer_action"}}`,
	},
	{
		name: "data.type in upper case",
		in:   ev("ORDER_CREATED", `"data":{"type":"CONTENTS"}`),
		want: `{"id":"e1","type":"order_created",` + ts + `,"data":{"type":"contents"}}`,
	},
	{
		name: "numeric event id and plan_id become exact decimal text",
		in:   `{"id":12345,"type":"subscription_created",` + ts + `,"data":{"type":"Plan_Enrollment","plan_id":7.7e1}}`,
		want: `{"id":"12345","type":"subscription_created",` + ts + `,"data":{"type":"plan_enrollment","plan_id":"77"}}`,
	},
}

func TestPrepareAcceptsText(t *testing.T) { runAcceptCases(t, newTestPreparer(t), textAcceptCases) }

// runAcceptCases checks what p makes of each case: the exact output, the dropped
// fields, that a second pass changes nothing and that the schema accepts the input.
func runAcceptCases(t *testing.T, p *Preparer, cases []acceptCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := p.Prepare("orders", 1, []byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(ev.JSON))
			assert.Equal(t, tc.dropped, ev.Dropped)
			assertIdempotent(t, p, ev)
			assertSchemaAccepts(t, tc.in)
		})
	}
}

func TestPrepareReturnsTheCanonicalType(t *testing.T) {
	ev, err := newTestPreparer(t).Prepare("s", 1, []byte(ev("Order_Created", "")))
	require.NoError(t, err)
	assert.Equal(t, "order_created", ev.Type)
}

// messageCase is a rejectCase whose message is checked too, when set.
type messageCase struct {
	rejectCase
	msg string
}

// textRejectCases refuse values that would need a guess, and values of the
// wrong JSON type, saying which type they have and which is wanted.
var textRejectCases = []messageCase{
	{rejectCase{name: "amount as the text of a fraction", in: ev("order_created", `"data":{"amount":"45.67","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger,
		hint: "amounts are integers in minor units; USD has 2 decimals, so multiply by 100"}, "is a string that is not a whole number, wants an integer number of minor units"},
	{rejectCase{name: "amount as text without a currency", in: ev("order_created", `"data":{"amount":"45.67"}`), path: "data.amount", rule: RuleAmountInteger,
		hint: "amounts are integers in minor units, e.g. 12999 for 129.99 USD"}, "is a string that is not a whole number, wants an integer number of minor units"},
	{rejectCase{name: "amount as text with blanks", in: ev("order_created", `"data":{"amount":" 12999","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger}, "is a string that is not a whole number, wants an integer number of minor units"},
	{rejectCase{name: "amount as text with a plus sign", in: ev("order_created", `"data":{"amount":"+12999","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger}, "is a string that is not a whole number, wants an integer number of minor units"},
	{rejectCase{name: "amount as text with an exponent", in: ev("order_created", `"data":{"amount":"1e3","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger}, "is a string that is not a whole number, wants an integer number of minor units"},
	{rejectCase{name: "amount as text with leading zeros", in: ev("order_created", `"data":{"amount":"0150","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger}, "is a string that is not a whole number, wants an integer number of minor units"},
	{rejectCase{name: "amount as empty text", in: ev("order_created", `"data":{"amount":"","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger}, "is a string that is not a whole number, wants an integer number of minor units"},
	{rejectCase{name: "amount as negative text", in: ev("order_created", `"data":{"amount":"-5","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger}, "must not be negative"},
	{rejectCase{name: "amount as text beyond int64", in: ev("order_created", `"data":{"amount":"99999999999999999999","currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger, hint: hintAmountTooLarge}, "is too large: an amount is at most 9223372036854775807 minor units"},
	{rejectCase{name: "amount a boolean", in: ev("order_created", `"data":{"amount":true,"currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger}, "is a boolean, wants an integer number of minor units"},
	{rejectCase{name: "amount an object", in: ev("order_created", `"data":{"amount":{},"currency":"USD"}`), path: "data.amount", rule: RuleAmountInteger}, "is an object, wants an integer number of minor units"},
	{rejectCase{name: "item amount an array", in: ev("order_created", `"data":{"currency":"JPY","contents":[{"amount":[1]}]}`), path: "data.contents[0].amount", rule: RuleAmountInteger,
		hint: "amounts are integers in minor units; JPY has none, so send whole JPY"}, "is an array, wants an integer number of minor units"},
	{rejectCase{name: "quantity as text of zero", in: ev("order_created", `"data":{"contents":[{"quantity":"0"}]}`), path: "data.contents[0].quantity", rule: RuleQuantityPositive}, "must be a positive integer"},
	{rejectCase{name: "quantity as words", in: ev("order_created", `"data":{"contents":[{"quantity":"two"}]}`), path: "data.contents[0].quantity", rule: RuleQuantityPositive}, "is a string that is not a whole number, wants a positive integer"},
	{rejectCase{name: "quantity a boolean", in: ev("order_created", `"data":{"contents":[{"quantity":true}]}`), path: "data.contents[0].quantity", rule: RuleQuantityPositive}, "is a boolean, wants a positive integer"},
	{rejectCase{name: "opt_out as other text", in: ev("lead_created", `"opt_out":"yes"`), path: "opt_out", rule: RuleOptOutBoolean}, `is a string other than "true" or "false", wants true or false`},
	{rejectCase{name: "opt_out as text with blanks", in: ev("lead_created", `"opt_out":" true"`), path: "opt_out", rule: RuleOptOutBoolean}, `is a string other than "true" or "false", wants true or false`},
	{rejectCase{name: "opt_out a number", in: ev("lead_created", `"opt_out":1`), path: "opt_out", rule: RuleOptOutBoolean}, "is a number, wants true or false"},
	{rejectCase{name: "type a number", in: `{"type":7,` + ts + `}`, path: "type", rule: RuleTypeSupported}, "is a number, wants the name of an event type"},
	{rejectCase{name: "type with a space", in: ev("ORDER CREATED", ""), path: "type", rule: RuleTypeSupported}, "is not a supported event type"},
	{rejectCase{name: "action_source a number", in: ev("lead_created", `"action_source":1`), path: "action_source", rule: RuleActionSourceEnum}, "is a number, wants a string"},
	{rejectCase{name: "action_source unknown in upper case", in: ev("lead_created", `"action_source":"APP"`), path: "action_source", rule: RuleActionSourceEnum}, "is not a supported action source"},
	{rejectCase{name: "data.type a number", in: ev("order_created", `"data":{"type":5}`), path: "data.type", rule: RuleDataTypeMatches}, `is a number, wants "contents" for this event type`},
	{rejectCase{name: "data.type of another shape in upper case", in: ev("order_created", `"data":{"type":"CUSTOMER_ACTION"}`), path: "data.type", rule: RuleDataTypeMatches}, "does not match the event type"},
	{rejectCase{name: "id a boolean", in: `{"id":true,"type":"lead_created",` + ts + `}`, path: "id", rule: RuleIDFormat}, "is a boolean, wants a non-empty string or an integer"},
	{rejectCase{name: "id fractional", in: `{"id":1.5,"type":"lead_created",` + ts + `}`, path: "id", rule: RuleIDFormat}, "is a fractional or huge number, wants a non-empty string or an integer"},
	{rejectCase{name: "id blank", in: `{"id":" ","type":"lead_created",` + ts + `}`, path: "id", rule: RuleIDFormat}, "is an empty or blank string, wants a non-empty string or an integer"},
	{rejectCase{name: "item id an object", in: ev("order_created", `"data":{"contents":[{"id":{}}]}`), path: "data.contents[0].id", rule: RuleStringType}, "is an object, wants a non-empty string or an integer"},
	{rejectCase{name: "plan_id a boolean", in: ev("trial_started", `"data":{"plan_id":false}`), path: "data.plan_id", rule: RuleStringType}, "is a boolean, wants a non-empty string or an integer"},
	{rejectCase{name: "oppref a number", in: ev("lead_created", `"oppref":5`), path: "oppref", rule: RuleStringType}, "is a number, wants a string"},
	{rejectCase{name: "source_url an array", in: ev("lead_created", `"source_url":["https://a.example"]`), path: "source_url", rule: RuleStringType}, "is an array, wants a string"},
	{rejectCase{name: "custom_event_name a boolean", in: ev("custom", `"custom_event_name":true`), path: "custom_event_name", rule: RuleStringType}, "is a boolean, wants a string"},
	{rejectCase{name: "item name a number", in: ev("order_created", `"data":{"contents":[{"name":5}]}`), path: "data.contents[0].name", rule: RuleStringType}, "is a number, wants a string"},
	{rejectCase{name: "currency a number", in: ev("order_created", `"data":{"currency":840}`), path: "data.currency", rule: RuleCurrencyISO4217}, "is a number, wants a three-letter ISO 4217 currency code"},
}

func TestPrepareRejectsText(t *testing.T) { runMessageCases(t, textRejectCases) }

// runMessageCases checks rule, path, message and hint of each rejection, and
// that it quotes no value of the record.
func runMessageCases(t *testing.T, cases []messageCase) {
	p := newTestPreparer(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Prepare("orders", 7, []byte(tc.in))
			rej := assertRule(t, err, tc.path, tc.rule)
			if tc.msg != "" {
				assert.Equal(t, tc.msg, rej.Message)
			}
			if tc.hint != "" {
				assert.Equal(t, tc.hint, rej.Hint)
			}
			assert.NotContains(t, rej.Error(), "45.67", "a rejection must not quote the record's value")
			assert.NotContains(t, rej.Error(), secret, "a rejection must not echo personal data")
		})
	}
}

func TestFoldPattern(t *testing.T) {
	for _, tc := range []struct{ name, word, want string }{
		{"letters and underscore", "order_created", "[oO][rR][dD][eE][rR]_[cC][rR][eE][aA][tT][eE][dD]"},
		{"digits stay", "a1", "[aA]1"},
		{"other characters are escaped", "a.b", `[aA]\.[bB]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, foldPattern(tc.word))
		})
	}
	assert.Equal(t, "^([wW][eE][bB]|[eE][mM][aA][iI][lL])$", foldEnumPattern("web", "email"))
}

// TestSchemaTextForms checks the schema against the text forms directly: it
// accepts what the Go checks convert and refuses what they refuse.
func TestSchemaTextForms(t *testing.T) {
	sch, err := compiledSchema()
	require.NoError(t, err)
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"amount as text", ev("order_created", `"data":{"amount":"12999"}`), true},
		{"amount as the text of a fraction", ev("order_created", `"data":{"amount":"129.99"}`), false},
		{"amount as text with leading zeros", ev("order_created", `"data":{"amount":"0150"}`), false},
		{"amount as negative text", ev("order_created", `"data":{"amount":"-5"}`), false},
		{"quantity as text", ev("order_created", `"data":{"contents":[{"quantity":"2"}]}`), true},
		{"quantity as text of zero", ev("order_created", `"data":{"contents":[{"quantity":"0"}]}`), false},
		{"item amount as text", ev("order_created", `"data":{"contents":[{"amount":"5"}]}`), true},
		{"opt_out as text", ev("lead_created", `"opt_out":"TRUE"`), true},
		{"opt_out as other text", ev("lead_created", `"opt_out":"yes"`), false},
		{"type in upper case", ev("ORDER_CREATED", `"data":{"type":"CONTENTS"}`), true},
		{"type in upper case, data of another shape", ev("ORDER_CREATED", `"data":{"type":"CUSTOMER_ACTION"}`), false},
		{"type in upper case, contents on a lead", ev("LEAD_CREATED", `"data":{"contents":[]}`), false},
		{"custom in upper case without its name", ev("CUSTOM", ""), false},
		{"custom in upper case with its name", ev("CUSTOM", `"custom_event_name":"a"`), true},
		{"type with a space", ev("ORDER CREATED", ""), false},
		{"action_source in upper case", ev("lead_created", `"action_source":"PHONE_CALL"`), true},
		{"action_source unknown", ev("lead_created", `"action_source":"APP"`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := parseValue(tc.in)
			require.NoError(t, err)
			if tc.ok {
				assert.NoError(t, sch.Validate(v))
			} else {
				assert.Error(t, sch.Validate(v))
			}
		})
	}
}

// valueFormCases lists the inputs of the tables of this file and of
// flat_test.go, for the fuzz seeds and the rule coverage.
func valueFormCases() []rejectCase {
	var out []rejectCase
	for _, cases := range [][]messageCase{textRejectCases, flatRejectCases} {
		for _, tc := range cases {
			out = append(out, tc.rejectCase)
		}
	}
	out = append(out, flatRefusedAsWithout...)
	for _, cases := range [][]acceptCase{textAcceptCases, flatAcceptCases} {
		for _, tc := range cases {
			out = append(out, rejectCase{name: tc.name, in: tc.in})
		}
	}
	return out
}

func TestActionSourceHintListsEveryValue(t *testing.T) {
	_, err := newTestPreparer(t).Prepare("s", 1, []byte(ev("lead_created", `"action_source":"app"`)))
	rej := assertRule(t, err, "action_source", RuleActionSourceEnum)
	assert.Equal(t, strings.Join(actionSources, ", ")+" (any letter case)", rej.Hint)
}
