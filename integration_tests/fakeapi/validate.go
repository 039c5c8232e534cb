package fakeapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// MaxEvents is the documented maximum number of events in one request.
const MaxEvents = 1000

const (
	maxPastMS   = 7 * 24 * 60 * 60 * 1000 // 7 days
	maxFutureMS = 10 * 60 * 1000          // 10 minutes
)

// batch is a validated events request.
type batch struct {
	validateOnly bool
	events       []parsedEvent
}

// parsedEvent is one valid event: its decoded id, its canonical type and its raw JSON.
type parsedEvent struct {
	id  []byte
	typ string
	raw []byte
}

// mismatch is a wrong JSON type for a field; the caller adds the field's path.
type mismatch struct {
	want string
	got  kind
}

func (m *mismatch) Error() string { return "expected " + m.want + ", but got " + m.got.String() }

// validator checks one events body against the documented rules (reference §1, §5-§14).
type validator struct {
	s      scanner
	nowMS  int64
	poison map[string]struct{}
}

// parseBatch validates body as a POST /v1/events body at time nowMS. Any
// failure refuses the whole batch, as the real API does.
func parseBatch(body []byte, nowMS int64, poison map[string]struct{}) (batch, *apiError) {
	v := validator{s: scanner{b: body}, nowMS: nowMS, poison: poison}
	b, err := v.body()
	if err == nil && !v.s.end() {
		err = errSyntax
	}
	if err == nil {
		return b, nil
	}
	// A semantic error found before a later syntax error: report the syntax
	// error, as a server that parses before validating would.
	if !errors.Is(err, errSyntax) && !json.Valid(body) {
		err = errSyntax
	}
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return batch{}, ae
	case errors.Is(err, errSyntax):
		return batch{}, invalid("", "We could not parse the JSON body of your request. "+
			"(HINT: This likely means you aren't using your HTTP library correctly. "+
			"The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)")
	}
	return batch{}, invalid("", err.Error())
}

// at wraps a type mismatch or syntax error with the field it happened at.
func at(err error, param string) error {
	var m *mismatch
	if errors.As(err, &m) {
		return invalid(param, fmt.Sprintf("Invalid type for '%s': %s instead.", param, m.Error()))
	}
	return err
}

func evParam(i int, field string) string {
	return "events[" + strconv.Itoa(i) + "]." + field
}

func itemParam(i, j int, field string) string {
	return evParam(i, "data.contents["+strconv.Itoa(j)+"]."+field)
}

func (v *validator) body() (batch, error) {
	var b batch
	if k := v.s.next(); k != kindObject {
		if k == kindInvalid {
			return b, errSyntax
		}
		if err := v.s.skip(0); err != nil {
			return b, err
		}
		return b, missingEvents() // e.g. a bare array of events
	}
	sawEvents := false
	unknown := "" // reported only if events is present, so a bare event gets "Missing required field: events"
	err := v.s.object(func(key []byte) error {
		switch string(key) {
		case "validate_only":
			val, _, err := v.readBool()
			b.validateOnly = val
			return at(err, "validate_only")
		case "integration_source":
			return checkIntegrationSource(v.readString())
		case "events":
			k := v.s.next()
			if k == kindNull {
				v.s.i += len("null")
				return nil
			}
			if k != kindArray {
				return at(&mismatch{"an array", k}, "events")
			}
			sawEvents = true
			b.events = make([]parsedEvent, 0, 64)
			return v.s.array(func(i int) error {
				if i >= MaxEvents {
					return invalid("events", fmt.Sprintf(
						"Too many events: a request may contain at most %d events.", MaxEvents))
				}
				ev, err := v.event(i)
				b.events = append(b.events, ev)
				return err
			})
		}
		if unknown == "" {
			unknown = string(key)
		}
		return v.s.skip(0)
	})
	switch {
	case err != nil:
		return b, err
	case !sawEvents:
		return b, missingEvents()
	case unknown != "":
		return b, unrecognized(unknown)
	}
	return b, nil
}

func missingEvents() error {
	return invalid("events", "Missing required field: events")
}

func unrecognized(param string) error {
	return invalid(param, "Unrecognized request argument supplied: "+param)
}

// eventFields collects what event() needs to check once the whole object is read.
type eventFields struct {
	id, typ, customName, sourceURL, actionSource []byte
	hasID, hasType, hasTS, hasCustom, hasSource  bool
	hasAction, hasData                           bool
	ts                                           int64
	data                                         dataFields
}

type dataFields struct {
	typ, currency               []byte
	hasType, hasAmount, hasCurr bool
	hasPlan, hasContents        bool
	itemNoCurrency              int    // first item with an amount but no currency, or -1
	unknown                     string // the first undocumented key, allowed in custom data only
}

// event reads and checks events[i].
func (v *validator) event(i int) (parsedEvent, error) {
	if k := v.s.next(); k != kindObject {
		return parsedEvent{}, at(&mismatch{"an object", k}, "events["+strconv.Itoa(i)+"]")
	}
	start := v.s.i
	var f eventFields
	f.data.itemNoCurrency = -1
	err := v.s.object(func(key []byte) error { return v.eventMember(i, key, &f) })
	if err != nil {
		return parsedEvent{}, err
	}
	ev := parsedEvent{id: f.id, raw: v.s.b[start:v.s.i]}
	ev.typ, err = v.checkEvent(i, &f)
	return ev, err
}

func (v *validator) eventMember(i int, key []byte, f *eventFields) error {
	var err error
	switch string(key) {
	case "id":
		f.id, f.hasID, err = v.readString()
	case "type":
		f.typ, f.hasType, err = v.readString()
	case "timestamp_ms":
		f.ts, f.hasTS, err = v.readInt()
	case "custom_event_name":
		f.customName, f.hasCustom, err = v.readString()
	case "oppref":
		_, _, err = v.readString()
	case "source_url":
		f.sourceURL, f.hasSource, err = v.readString()
	case "action_source":
		f.actionSource, f.hasAction, err = v.readString()
	case "opt_out":
		_, _, err = v.readBool()
	case "user":
		return v.user(i)
	case "data":
		f.hasData, err = v.data(i, &f.data)
		return err
	default:
		return unrecognized(evParam(i, string(key)))
	}
	if err != nil {
		return at(err, evParam(i, string(key)))
	}
	return nil
}

// checkEvent applies the rules that need the whole event, in a fixed order,
// and returns the canonical event type.
func (v *validator) checkEvent(i int, f *eventFields) (string, error) {
	if !f.hasID || len(f.id) == 0 {
		return "", invalid(evParam(i, "id"), "Missing required field: "+evParam(i, "id"))
	}
	if !f.hasType {
		return "", invalid(evParam(i, "type"), "Missing required field: "+evParam(i, "type"))
	}
	et, ok := eventTypes[string(f.typ)]
	if !ok {
		p := evParam(i, "type")
		return "", invalid(p, fmt.Sprintf("Invalid value for '%s': '%s'. Supported values are: %s.", p, f.typ, eventTypeList))
	}
	typ, wantData := et.name, et.data
	if err := v.checkTime(i, f); err != nil {
		return "", err
	}
	if err := checkCustomName(i, f); err != nil {
		return "", err
	}
	if err := checkSource(i, f); err != nil {
		return "", err
	}
	if err := checkData(i, typ, wantData, f); err != nil {
		return "", err
	}
	if _, bad := v.poison[string(f.id)]; bad {
		p := evParam(i, "id")
		e := invalid(p, fmt.Sprintf("Event %s was rejected (injected poison event id '%s').", p, f.id))
		e.poisoned = true
		return "", e
	}
	return typ, nil
}

func (v *validator) checkTime(i int, f *eventFields) error {
	if f.hasTS && f.ts >= v.nowMS-maxPastMS && f.ts <= v.nowMS+maxFutureMS {
		return nil
	}
	p := evParam(i, "timestamp_ms")
	switch {
	case !f.hasTS:
		return invalid(p, "Missing required field: "+p)
	case f.ts < v.nowMS-maxPastMS:
		return outsideWindow(p, true)
	case f.ts > v.nowMS+maxFutureMS:
		return outsideWindow(p, false)
	}
	return nil
}

func checkCustomName(i int, f *eventFields) error {
	isCustom := string(f.typ) == "custom"
	if !isCustom && !f.hasCustom {
		return nil
	}
	p := evParam(i, "custom_event_name")
	switch {
	case isCustom && !f.hasCustom:
		return invalid(p, "Missing required field: "+p+" (required when type is 'custom').")
	case !isCustom && f.hasCustom:
		return invalid(p, fmt.Sprintf("Invalid value for '%s': only allowed when type is 'custom'.", p))
	case isCustom && !validCustomName(f.customName):
		return invalid(p, fmt.Sprintf("Invalid value for '%s': '%s'. Use 1-64 letters, digits, '_' or '-', starting and ending with a letter or digit.", p, f.customName))
	case isCustom && isStandardName(f.customName):
		return invalid(p, fmt.Sprintf("Invalid value for '%s': '%s' is a standard event name.", p, f.customName))
	}
	return nil
}

func checkSource(i int, f *eventFields) error {
	if f.hasAction && !actionSources[string(f.actionSource)] {
		p := evParam(i, "action_source")
		return invalid(p, fmt.Sprintf("Invalid value for '%s': '%s'. Supported values are: %s.", p, f.actionSource, actionSourceList))
	}
	if f.hasAction && string(f.actionSource) == "web" && (!f.hasSource || len(f.sourceURL) == 0) {
		p := evParam(i, "source_url")
		return invalid(p, "Missing required field: "+p+" (required when action_source is 'web').")
	}
	if f.hasSource && len(f.sourceURL) > 0 && !validSourceURL(f.sourceURL) {
		p := evParam(i, "source_url")
		return invalid(p, fmt.Sprintf("Invalid value for '%s': must be an absolute http or https URL.", p))
	}
	return nil
}

func checkData(i int, typ, wantData string, f *eventFields) error {
	d := &f.data
	switch {
	case !f.hasData:
		return invalid(evParam(i, "data"), "Missing required field: "+evParam(i, "data"))
	case !d.hasType:
		return invalid(evParam(i, "data.type"), "Missing required field: "+evParam(i, "data.type"))
	case string(d.typ) != wantData:
		p := evParam(i, "data.type")
		return invalid(p, fmt.Sprintf("Invalid value for '%s': '%s'. Events of type '%s' require data.type '%s'.", p, d.typ, typ, wantData))
	case d.hasAmount && !d.hasCurr:
		p := evParam(i, "data.currency")
		return invalid(p, "Missing required field: "+p+" (required when data.amount is set).")
	case d.hasPlan && (wantData == "contents" || wantData == "customer_action"):
		return unrecognized(evParam(i, "data.plan_id"))
	case d.hasContents && wantData == "customer_action":
		return unrecognized(evParam(i, "data.contents"))
	case d.itemNoCurrency >= 0 && !d.hasCurr:
		p := itemParam(i, d.itemNoCurrency, "currency")
		return invalid(p, "Missing required field: "+p+" (required when the item has an amount and the event has no currency).")
	}
	return nil
}

// data reads events[i].data into d, checking member types as it goes.
func (v *validator) data(i int, d *dataFields) (present bool, err error) {
	if present, err := v.open(kindObject, evParam(i, "data")); !present {
		return false, err
	}
	err = v.s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "type":
			d.typ, d.hasType, err = v.readString()
		case "amount":
			var n int64
			n, d.hasAmount, err = v.readInt()
			if err == nil && d.hasAmount && n < 0 {
				return negativeAmount(evParam(i, "data.amount"), n)
			}
		case "currency":
			d.currency, d.hasCurr, err = v.readString()
			if err == nil && d.hasCurr && !validCurrency(d.currency) {
				return badCurrency(evParam(i, "data.currency"), d.currency)
			}
		case "plan_id":
			_, d.hasPlan, err = v.readString()
		case "contents":
			d.hasContents, err = v.contents(i, d)
			return err
		case "custom_event_name":
			return unrecognized(evParam(i, "data.custom_event_name")) // it belongs on the event (reference §11)
		default:
			// Only custom data takes additional fields (reference §0.2), and
			// its type may come later: decide once the object is read.
			if d.unknown == "" {
				d.unknown = string(key)
			}
			return v.s.skip(0)
		}
		if err != nil {
			return at(err, evParam(i, "data."+string(key)))
		}
		return nil
	})
	if err == nil && d.unknown != "" && (!d.hasType || string(d.typ) != "custom") {
		return true, unrecognized(evParam(i, "data."+d.unknown))
	}
	return true, err
}

func negativeAmount(p string, n int64) error {
	return invalid(p, fmt.Sprintf("Invalid value for '%s': %d. Amounts are non-negative integers in minor units.", p, n))
}

func badCurrency(p string, c []byte) error {
	return invalid(p, fmt.Sprintf("Invalid value for '%s': '%s'. Use an upper-case ISO 4217 code such as 'USD'.", p, c))
}

// contents reads events[i].data.contents, an array of content items.
func (v *validator) contents(i int, d *dataFields) (bool, error) {
	if present, err := v.open(kindArray, evParam(i, "data.contents")); !present {
		return false, err
	}
	return true, v.s.array(func(j int) error {
		if k := v.s.next(); k != kindObject {
			return at(&mismatch{"an object", k}, evParam(i, "data.contents["+strconv.Itoa(j)+"]"))
		}
		return v.item(i, j, d)
	})
}

// item reads events[i].data.contents[j].
func (v *validator) item(i, j int, d *dataFields) error {
	var hasAmount, hasCurr bool
	err := v.s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "id", "name", "content_type":
			_, _, err = v.readString()
		case "group_id":
			_, _, err = v.readString()
		case "variant_dict":
			return v.variantDict(itemParam(i, j, "variant_dict"))
		case "quantity":
			var n int64
			var ok bool
			n, ok, err = v.readInt()
			if err == nil && ok && n <= 0 {
				p := itemParam(i, j, "quantity")
				return invalid(p, fmt.Sprintf("Invalid value for '%s': %d. Quantity must be a positive integer.", p, n))
			}
		case "amount":
			var n int64
			n, hasAmount, err = v.readInt()
			if err == nil && hasAmount && n < 0 {
				return negativeAmount(itemParam(i, j, "amount"), n)
			}
		case "currency":
			var c []byte
			c, hasCurr, err = v.readString()
			if err == nil && hasCurr && !validCurrency(c) {
				return badCurrency(itemParam(i, j, "currency"), c)
			}
		default:
			return unrecognized(itemParam(i, j, string(key)))
		}
		if err != nil {
			return at(err, itemParam(i, j, string(key)))
		}
		return nil
	})
	if err == nil && hasAmount && !hasCurr && d.itemNoCurrency < 0 {
		d.itemNoCurrency = j
	}
	return err
}

// variantDict reads a content item's variant_dict: an object whose values
// are strings (reference §0.2).
func (v *validator) variantDict(p string) error {
	if present, err := v.open(kindObject, p); !present {
		return err
	}
	return v.s.object(func(key []byte) error {
		_, _, err := v.readString()
		return at(err, p+"."+string(key))
	})
}

// open reads past a null or finds the object or array (want) that the value at param p must
// be. It reports whether a value is there to read; a value of another kind is a mismatch.
func (v *validator) open(want kind, p string) (present bool, err error) {
	switch k := v.s.next(); k {
	case kindNull:
		v.s.i += len("null")
		return false, nil
	case want:
		return true, nil
	default:
		name := "an object"
		if want == kindArray {
			name = "an array"
		}
		return false, at(&mismatch{name, k}, p)
	}
}

// readString reads a string; null reads as absent.
func (v *validator) readString() ([]byte, bool, error) {
	return readOrNull(v, kindString, "a string", func() ([]byte, bool, error) {
		b, err := v.s.str()
		return b, err == nil, err
	})
}

// readInt reads an integer; null reads as absent.
func (v *validator) readInt() (int64, bool, error) {
	return readOrNull(v, kindNumber, "an integer", func() (int64, bool, error) {
		n, ok, err := v.s.int64()
		if err == nil && !ok {
			return 0, false, &mismatch{"an integer", kindNumber}
		}
		return n, err == nil, err
	})
}

// readBool reads a boolean; null reads as absent.
func (v *validator) readBool() (bool, bool, error) {
	return readOrNull(v, kindBool, "a boolean", func() (bool, bool, error) {
		b, err := v.s.bool()
		return b, err == nil, err
	})
}

// readOrNull reads the value at the cursor with read when it is of kind want
// (named by name in a mismatch); null reads as absent (ok false, no error).
func readOrNull[T any](v *validator, want kind, name string, read func() (T, bool, error)) (value T, ok bool, err error) {
	switch k := v.s.next(); k {
	case want:
		return read()
	case kindNull:
		v.s.i += len("null")
		return value, false, nil
	case kindInvalid:
		return value, false, errSyntax
	default:
		return value, false, &mismatch{name, k}
	}
}
