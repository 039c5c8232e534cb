package event

import (
	"strconv"
	"strings"
)

// Values typed as text. Warehouses and their Airbyte sources often type
// numbers, booleans and enum values as text. Where the text has one meaning,
// it is converted exactly; where reading it would need a guess (129.99 as an
// amount: major units or a typo?), it is refused with the rule to follow.

// integerText returns v as a number when it is text holding a plain decimal
// integer ("12999", "-5"). Any other text (a fraction, an exponent, blanks, a
// plus sign, leading zeros) is returned unchanged.
func integerText(v val) val {
	if v.k == text && isPlainInteger(v.s) {
		return val{number, v.s}
	}
	return v
}

// booleanText returns v as a boolean when it is the text true or false, in any
// letter case.
func booleanText(v val) val {
	if v.k == text {
		switch {
		case strings.EqualFold(v.s, "true"):
			return val{boolean, "true"}
		case strings.EqualFold(v.s, "false"):
			return val{boolean, "false"}
		}
	}
	return v
}

// foldName returns the entry of names that equals s in any letter case.
func foldName(s string, names []string) (string, bool) {
	for _, n := range names {
		if strings.EqualFold(s, n) {
			return n, true
		}
	}
	return "", false
}

// foldEventType is eventType's slow path, for a type that is not the exact
// name of a supported event type: it takes the name in any letter case
// ("ORDER_CREATED" is order_created), or refuses the type.
func (r *record) foldEventType() *problem {
	const hint = "one of page_viewed, contents_viewed, items_added, checkout_started, order_created, lead_created, registration_completed, appointment_scheduled, app_installed, app_opened, trial_started, subscription_created, custom (any letter case)"
	switch r.typ.k {
	case absent:
		return rejectHint("type", RuleTypeRequired, "is required", "a standard event such as order_created, or custom")
	case text:
	default:
		prob := wrongType("type", RuleTypeSupported, r.typ.k, "the name of an event type")
		prob.hint = hint
		return prob
	}
	for name, shape := range shapeOf {
		if strings.EqualFold(r.typ.s, name) {
			r.typeName, r.shape = name, shape
			return nil
		}
	}
	return rejectHint("type", RuleTypeSupported, "is not a supported event type", hint)
}

// article names the JSON type of a kind with its article, for messages.
func (k kind) article() string {
	switch k {
	case object, array:
		return "an " + k.String()
	case absent, null:
		return k.String()
	}
	return "a " + k.String()
}

// wrongType refuses a value for its JSON type, saying which type it has and
// which is wanted ("is a boolean, wants a string"). It never quotes the value.
// It is a cold path, kept out of line so that the checks calling it stay
// small enough to be inlined.
//
//go:noinline
func wrongType(path, rule string, got kind, want string) *problem {
	return reject(path, rule, "is "+got.article()+", wants "+want)
}

// notANumber refuses v, which is not a number even after integerText: text
// that is not a plain integer, or a value of another JSON type.
func notANumber(path, rule string, v val, want, hint string) *problem {
	prob := wrongType(path, rule, v.k, want)
	if v.k == text {
		prob.msg = "is a string that is not a whole number, wants " + want
	}
	prob.hint = hint
	return prob
}

// minorUnitsHint states the rule for amounts in the currency cur, whose
// exponent is exp, without quoting the record's value.
func minorUnitsHint(cur string, exp int) string {
	const rule = "amounts are integers in minor units"
	switch {
	case cur == "":
		return rule + ", e.g. 12999 for 129.99 USD"
	case exp == 0:
		return rule + "; " + cur + " has none, so send whole " + cur
	}
	return rule + "; " + cur + " has " + strconv.Itoa(exp) + " decimals, so multiply by 1" + strings.Repeat("0", exp)
}

// idProblem refuses v where an id is expected: a non-empty string, or an
// integer, which is sent as its exact decimal text.
func idProblem(path, rule string, v val) *problem {
	const want = "a non-empty string or an integer"
	switch v.k {
	case text:
		return reject(path, rule, "is an empty or blank string, wants "+want)
	case number:
		return reject(path, rule, "is a fractional or huge number, wants "+want)
	}
	return wrongType(path, rule, v.k, want)
}

// canonicalActionSource replaces action_source by its documented spelling
// ("WEB" is web), or refuses it.
func (r *record) canonicalActionSource() *problem {
	const hint = "web, mobile_app, offline, physical_store, phone_call, email, other (any letter case)"
	if r.actionSource.k != text {
		prob := wrongType("action_source", RuleActionSourceEnum, r.actionSource.k, "a string")
		prob.hint = hint
		return prob
	}
	name, ok := foldName(r.actionSource.s, actionSources)
	if !ok {
		return rejectHint("action_source", RuleActionSourceEnum, "is not a supported action source", hint)
	}
	r.actionSource.s = name
	return nil
}

// optOutText reads an opt_out that is not a boolean: the text true or false
// in any letter case becomes that boolean; anything else is refused.
func (r *record) optOutText() *problem {
	const hint = "true excludes the event from personalization"
	if r.optOut = booleanText(r.optOut); r.optOut.k == boolean {
		return nil
	}
	if r.optOut.k == text {
		return rejectHint("opt_out", RuleOptOutBoolean, `is a string other than "true" or "false", wants true or false`, hint)
	}
	prob := wrongType("opt_out", RuleOptOutBoolean, r.optOut.k, "true or false")
	prob.hint = hint
	return prob
}
