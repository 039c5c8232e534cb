package event

import (
	"strconv"
	"strings"
)

// dataOut is the normalised data object; its type is the record's shape.
type dataOut struct {
	amount, currency string // amount as integer digits; currency code
	planID           string
	hasContents      bool
	extra            []member // additional fields of custom data, canonical, in key order
}

// dataScan holds the data fields as scanned.
type dataScan struct {
	typ, amount, currency, planID, contents val
	items                                   itemList
	deferred                                *problem // the first misplaced or legacy field
	others                                  []member // undocumented fields, kept for custom data
}

// normaliseData reads data (an object or its JSON text). A missing data, or a
// data without type, gets the type the event type needs.
func (r *record) normaliseData() *problem {
	if _, prob := r.scanComposite(compositeData, r.data); prob != nil {
		return prob
	}
	s := &r.ds
	if prob := r.shapeFields(s); prob != nil {
		return prob
	}
	d := &r.d
	cur, exp, prob := optionalCurrency(s.currency, "data.currency")
	if prob != nil {
		return prob
	}
	d.currency = cur
	if d.amount, prob = normaliseAmount(s.amount, "data", cur, exp); prob != nil {
		return prob
	}
	if s.planID.k != absent {
		if d.planID, prob = identifier(s.planID, "data.plan_id"); prob != nil {
			return prob
		}
	}
	if prob := r.customFields(); prob != nil {
		return prob
	}
	if s.contents.k != absent {
		return r.normaliseContents(cur)
	}
	return nil
}

// shapeFields applies the rules that depend on the data shape: the deferred
// problems of the scan first, then contents, plan_id and type.
func (r *record) shapeFields(s *dataScan) *problem {
	if s.deferred != nil {
		return s.deferred
	}
	if s.contents.k != absent && !hasContents(r.shape) {
		return rejectHint("data.contents", RuleContentsForbidden, "is not allowed in customer_action data", "leave contents out of lead, registration, appointment and app events")
	}
	if s.planID.k != absent && !hasPlanID(r.shape) {
		// The schema's data union types plan_id for every shape, so a
		// plan_id that is dropped is still checked against it.
		if !stringOrInteger(s.planID) {
			return idProblem("data.plan_id", RuleStringType, s.planID)
		}
		r.drop("data.plan_id", "not a field of "+r.shape+" data")
		r.keep(sectionData, 0, "plan_id", s.planID)
		s.planID = val{}
	}
	if s.typ.k != absent && s.typ.k != text {
		return wrongType("data.type", RuleDataTypeMatches, s.typ.k, strconv.Quote(r.shape)+" for this event type")
	}
	if s.typ.k != absent && !strings.EqualFold(s.typ.s, r.shape) {
		return rejectHint("data.type", RuleDataTypeMatches, "does not match the event type", strconv.Quote(r.shape)+" for this event type, or leave it out")
	}
	return nil
}

// scanData reads the data object at p.i. Content items given as an array are
// scanned in the same pass. Misplaced and legacy fields are noted for
// shapeFields; undocumented ones are dropped.
func (r *record) scanData(p *parser) error {
	s := &r.ds
	var others []string
	m := p.members()
	for m.next(p) {
		if m.key == "contents" && p.i < len(p.s) && p.s[p.i] == '[' {
			if s.contents.k != absent {
				return reject("data", RuleJSONDuplicateKey, "has a duplicate key")
			}
			s.contents = val{k: array}
			if err := r.scanItems(p); err != nil {
				return err
			}
			continue
		}
		v, ok := m.value(p)
		if !ok {
			continue
		}
		undocumented, dup := fill(s.slot(m.key), &others, m.key, v)
		switch {
		case dup:
			return reject("data", RuleJSONDuplicateKey, "has a duplicate key")
		case undocumented:
			r.otherData(m.key, v)
		}
	}
	return m.err
}

// slot returns where the data field k is kept, or nil.
func (s *dataScan) slot(k string) *val {
	switch k {
	case "type":
		return &s.typ
	case "amount":
		return &s.amount
	case "currency":
		return &s.currency
	case "plan_id":
		return &s.planID
	case "contents":
		return &s.contents
	}
	return nil
}

// otherData handles an undocumented data field; customFields decides what
// becomes of it once the shape is known.
func (r *record) otherData(k string, v val) {
	var prob *problem
	switch {
	case k == "custom_event_name":
		prob = rejectHint("data.custom_event_name", RuleCustomEventNamePlacement, "belongs at the top level of the event, not inside data", "move it to custom_event_name")
	case isLegacyData(k):
		prob = rejectHint("data."+k, RuleLegacyField, "is a data shape of an older API version", "use data.contents with content items")
	case isMetadata(k):
	default:
		r.ds.others = append(r.ds.others, member{key: k, v: v})
	}
	if prob != nil && r.ds.deferred == nil {
		r.ds.deferred = prob
	}
}

// optionalCurrency normalises a currency if present and returns it with its
// exponent.
func optionalCurrency(v val, path string) (string, int, *problem) {
	if v.k == absent {
		return "", 0, nil
	}
	return normaliseCurrency(v, path)
}

// hintAmountTooLarge is the advice for an amount beyond int64: the source's column is not
// the amount it should be, which multiplying or dividing will not tell.
const hintAmountTooLarge = "check that the column holds the event's amount in minor units (an id or a product of columns is far larger)"

// normaliseAmount checks an amount: a non-negative integer in minor units,
// written in any JSON number notation (12999, 12999.0, 1.2999e4) or as the
// text of a plain integer ("12999"), with a currency in scope (cur, whose
// exponent is exp). It returns the amount's integer digits.
func normaliseAmount(v val, parent, cur string, exp int) (string, *problem) {
	if v.k == absent {
		return "", nil
	}
	if v = integerText(v); v.k != number {
		return "", notANumber(join(parent, "amount"), RuleAmountInteger, v, "an integer number of minor units", minorUnitsHint(cur, exp))
	}
	i, digits, ok := integer(v.s)
	switch {
	case !ok && beyondInt64(v.s):
		return "", rejectHint(join(parent, "amount"), RuleAmountInteger, "is too large: an amount is at most 9223372036854775807 minor units", hintAmountTooLarge)
	case !ok:
		return "", rejectHint(join(parent, "amount"), RuleAmountInteger, "must be an integer in minor units", minorUnitsHint(cur, exp))
	case i < 0:
		return "", reject(join(parent, "amount"), RuleAmountInteger, "must not be negative")
	case cur == "":
		return "", rejectHint(join(parent, "currency"), RuleCurrencyRequired, "is required when an amount is present", "an ISO 4217 code such as USD")
	}
	return digits, nil
}

// stringOrInteger reports whether v is a string or an integral number, the
// types the schema allows for a plan_id.
func stringOrInteger(v val) bool {
	switch v.k {
	case text:
		return true
	case number:
		_, ok := shiftedInteger(v.s, 0)
		return ok
	}
	return false
}

// identifier accepts a non-empty string, or an integral number, which becomes
// its exact decimal string (12345 and 1.2345e4 are "12345").
func identifier(v val, path string) (string, *problem) {
	switch v.k {
	case text:
		if v.s != "" {
			return v.s, nil
		}
	case number:
		if s, ok := shiftedInteger(v.s, 0); ok {
			return s, nil
		}
	}
	return "", idProblem(path, RuleStringType, v)
}
