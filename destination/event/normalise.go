package event

import (
	"strings"
	"time"
)

// record is one record being prepared: the scanned event fields and their
// normalised forms. It lives on the stack of Prepare.
type record struct {
	now           time.Time
	loc           *time.Location // where a timestamp without a zone is read
	defaultSource string         // Options.DefaultActionSource
	dropped       []Dropped
	droppedValues []droppedValue // for the derived id

	id, typ, ts, customName, oppref, sourceURL, actionSource, optOut, user, data val
	legacy                                                                       string
	others                                                                       []string // undocumented keys seen

	us   userScan     // user as scanned
	ds   dataScan     // data as scanned
	flat *flatColumns // set once user_ and data_ columns are merged into user and data (flat.go)

	idText   string // the id to send; empty when it is to be derived
	typeName string // canonical event type
	shape    string // data.type the event needs
	tsMS     int64  // timestamp_ms in milliseconds since the Unix epoch
	u        userOut
	d        dataOut

	effectiveSource val // action_source as sent: given, or a default
	identityDropped int // user values that failed their rule
}

// seenBefore reports whether k is in *seen, and adds it if not.
func seenBefore(seen *[]string, k string) bool {
	for _, s := range *seen {
		if s == k {
			return true
		}
	}
	*seen = append(*seen, k)
	return false
}

func (r *record) drop(path, reason string) {
	r.dropped = append(r.dropped, Dropped{Path: path, Reason: reason})
}

// scanEvent reads the record's top-level object, keeping documented fields,
// noting legacy ones and dropping the rest.
func (r *record) scanEvent(p *parser) error {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		if _, err := parseValue(p.s); err != nil {
			return err
		}
		return reject("", RuleJSONObject, "record data must be a JSON object")
	}
	m := p.members()
	for m.next(p) {
		at := p.i
		if m.key == "user" || m.key == "data" {
			done, err := r.scanNested(p, m.key)
			if err != nil {
				return err
			}
			if done {
				continue
			}
		}
		v, ok := m.value(p)
		if !ok {
			continue
		}
		slot := r.field(m.key)
		if slot == nil && r.flat == nil && isFlatKey(m.key) {
			return errFlatColumns
		}
		undocumented, dup := fill(slot, &r.others, m.key, v)
		switch {
		case dup:
			return &parseError{rule: RuleJSONDuplicateKey, offset: at, msg: "duplicate object key"}
		case undocumented:
			r.other(m.key, v)
		}
	}
	return m.err
}

// scanNested scans user or data in place when it is an object, so that it
// is read once; done is false when the value is of another kind.
func (r *record) scanNested(p *parser, k string) (done bool, err error) {
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return false, nil
	}
	slot := r.field(k)
	if slot.k != absent {
		return true, &parseError{rule: RuleJSONDuplicateKey, offset: p.i, msg: "duplicate object key"}
	}
	*slot = val{k: object}
	if k == "user" {
		return true, r.scanUser(p)
	}
	return true, r.scanData(p)
}

// field returns where the documented event field k is kept, or nil.
func (r *record) field(k string) *val {
	switch k {
	case "id":
		return &r.id
	case "type":
		return &r.typ
	case "timestamp_ms":
		return &r.ts
	case "custom_event_name":
		return &r.customName
	case "oppref":
		return &r.oppref
	case "source_url":
		return &r.sourceURL
	case "action_source":
		return &r.actionSource
	case "user":
		return &r.user
	case "opt_out":
		return &r.optOut
	case "data":
		return &r.data
	}
	return nil
}

// other handles an undocumented top-level field: a legacy name is remembered
// (the first in key order is reported), metadata is dropped silently and
// anything else is dropped and reported.
func (r *record) other(k string, v val) {
	switch {
	case legacyFields[k] != "":
		if r.legacy == "" || k < r.legacy {
			r.legacy = k
		}
	case isMetadata(k):
	default:
		r.drop(k, "not a documented field, so it is not sent")
		r.keep(sectionEvent, 0, k, v)
	}
}

// normalise applies the rules in a fixed order, so that a record breaking
// several rules is always refused for the same one.
func (r *record) normalise() *problem {
	if r.legacy != "" {
		return rejectHint(r.legacy, RuleLegacyField, "is a field name of an older API version", "use "+legacyFields[r.legacy])
	}
	// Direct calls, not a loop over method values: an indirect call would
	// move the record to the heap.
	if p := r.eventType(); p != nil {
		return p
	}
	if p := r.normaliseID(); p != nil {
		return p
	}
	if p := r.customEventName(); p != nil {
		return p
	}
	if p := r.timestamp(); p != nil {
		return p
	}
	if p := r.source(); p != nil {
		return p
	}
	if p := r.scalars(); p != nil {
		return p
	}
	if p := r.normaliseUser(); p != nil {
		return p
	}
	return r.normaliseData()
}

// eventType checks type and looks up the data shape it needs.
func (r *record) eventType() *problem {
	shape, ok := shapeOf[r.typ.s]
	if r.typ.k != text || !ok {
		return r.foldEventType()
	}
	r.typeName, r.shape = r.typ.s, shape
	return nil
}

// normaliseID checks id: a non-empty string, or an integral number, which
// becomes its exact decimal string.
func (r *record) normaliseID() *problem {
	switch r.id.k {
	case absent:
		return nil
	case text:
		if strings.TrimSpace(r.id.s) != "" {
			r.idText = validUTF8(r.id.s)
			return nil
		}
	case number:
		if d, ok := shiftedInteger(r.id.s, 0); ok {
			r.idText = d
			return nil
		}
	}
	prob := idProblem("id", RuleIDFormat, r.id)
	prob.hint = "your order, payment or lead id; leave it out to have one derived"
	return prob
}

// customEventName requires custom_event_name for custom events only.
func (r *record) customEventName() *problem {
	switch {
	case r.shape != "custom" && r.customName.k != absent:
		return rejectHint("custom_event_name", RuleCustomEventNameForbidden, "is only allowed when type is custom", "remove it, or set type to custom")
	case r.shape != "custom":
		return nil
	case r.customName.k == absent:
		return rejectHint("custom_event_name", RuleCustomEventNameRequired, "is required when type is custom", "the name of the custom event set up in Ads Manager")
	case r.customName.k != text:
		return wrongType("custom_event_name", RuleStringType, r.customName.k, "a string")
	}
	return checkCustomEventName(r.customName.s)
}

func (r *record) timestamp() *problem {
	if r.ts.k == absent {
		return rejectHint("timestamp_ms", RuleTimestampRequired, "is required", "the event time in milliseconds since the Unix epoch")
	}
	ms, p := normaliseTimestamp(r.ts, r.now, r.loc)
	r.tsMS = ms
	return p
}

// source checks action_source and source_url, whose query and fragment are
// cut. Without an action_source, app events get mobile_app and other events
// the configured default, if any.
func (r *record) source() *problem {
	app := r.typeName == "app_installed" || r.typeName == "app_opened"
	switch {
	case r.actionSource.k != absent:
		if prob := r.canonicalActionSource(); prob != nil {
			return prob
		}
		r.effectiveSource = r.actionSource
		if app && r.actionSource.s != "mobile_app" {
			return rejectHint("action_source", RuleActionSourceApp, "must be mobile_app for app_installed and app_opened events", "mobile_app, or leave it out")
		}
	case app:
		r.effectiveSource = val{text, "mobile_app"}
	case r.defaultSource != "":
		r.effectiveSource = val{text, r.defaultSource}
	}
	web := r.effectiveSource.k == text && r.effectiveSource.s == "web"
	switch r.sourceURL.k {
	case absent:
		if web && r.actionSource.k == absent {
			return rejectHint("source_url", RuleSourceURLRequired, "is required when action_source is web, which is the configured default_action_source", "the page URL where the event happened, or an action_source of the record")
		}
		if web {
			return rejectHint("source_url", RuleSourceURLRequired, "is required when action_source is web", "the page URL where the event happened")
		}
		return nil
	case text:
	default:
		return wrongType("source_url", RuleStringType, r.sourceURL.k, "a string")
	}
	u, reason, p := normaliseSourceURL(r.sourceURL.s)
	if p != nil {
		return p
	}
	if reason != "" {
		r.keep(sectionSourceURL, 0, "", r.sourceURL)
		r.drop("source_url", reason)
	}
	r.sourceURL.s = u
	return nil
}

// scalars checks oppref, which passes through untouched, and opt_out.
func (r *record) scalars() *problem {
	if r.oppref.k != absent && r.oppref.k != text {
		return wrongType("oppref", RuleStringType, r.oppref.k, "a string")
	}
	if r.optOut.k != absent && r.optOut.k != boolean {
		return r.optOutText()
	}
	return nil
}
