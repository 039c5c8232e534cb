package event

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Options configures a Preparer.
type Options struct {
	// Now is the clock used for the timestamp window; nil means time.Now.
	Now func() time.Time
	// DefaultActionSource is the action_source of events whose record has
	// none (app events always get mobile_app). It must be one of the
	// documented values or empty, which leaves action_source out. A default
	// of web makes source_url required.
	DefaultActionSource string
	// ValidateSchema validates every prepared event against Schema with the
	// compiled JSON Schema validator, as a backstop to the Go checks, which
	// implement every constraint of the schema and more. It makes Prepare
	// more than ten times slower, so it is off by default; without it, a
	// sample is validated: the first event and every 1024th after it.
	ValidateSchema bool
	// TimeZone is where a timestamp without a zone (2026-11-30 12:34:56) is
	// read; nil means UTC.
	TimeZone *time.Location
	// MaxEventBytes bounds the JSON of one prepared event (rule event_size),
	// so that every event fits alone in a request; zero means no bound.
	MaxEventBytes int
}

// sampleEvery is how often, in prepared events, one is validated against the
// schema when Options.ValidateSchema is off.
const sampleEvery = 1024

// Preparer turns records into API events. NewPreparer compiles the schema
// and builds the lookup tables once. A *Preparer is safe for concurrent use
// by multiple goroutines.
type Preparer struct {
	now           func() time.Time
	loc           *time.Location
	defaultSource string
	schema        *jsonschema.Schema
	validateAll   bool
	maxEventBytes int
	prepared      atomic.Uint64 // events prepared, for the validation sample
}

// NewPreparer compiles the schemas and lookup tables once.
func NewPreparer(opts Options) (*Preparer, error) {
	p := &Preparer{now: opts.Now, loc: opts.TimeZone, defaultSource: opts.DefaultActionSource, validateAll: opts.ValidateSchema,
		maxEventBytes: opts.MaxEventBytes}
	if p.now == nil {
		p.now = time.Now
	}
	if _, ok := foldName(p.defaultSource, actionSources); p.defaultSource != "" && !ok {
		return nil, fmt.Errorf("default action source %q is not one of %s", p.defaultSource, strings.Join(actionSources, ", "))
	}
	sch, err := compiledSchema()
	if err != nil {
		return nil, fmt.Errorf("compile record schema: %w", err)
	}
	p.schema = sch
	return p, nil
}

// Event is one prepared event.
type Event struct {
	// JSON is the compact JSON of the API event, nulls stripped, with a fixed
	// field order, ready to place in the request's "events" array.
	JSON []byte
	// ID is the event's id, as given or as derived.
	ID string
	// Type is the event's type.
	Type string
	// TimestampMS is the event's timestamp_ms, for the send-time window.
	TimestampMS int64
	// Dropped lists the fields removed during normalisation (and user
	// fields whose digests were taken as given rather than hashed), for the
	// caller's once-per-stream warning. It is nil when nothing was dropped.
	Dropped []Dropped
	// IdentityDropped counts the user values that were not sent because
	// they failed their rule (an e-mail without @, a malformed digest, a
	// country that is not two letters ...), for the run summary. Unknown
	// user fields and values beyond the first three of a list are reported
	// in Dropped but not counted here.
	IdentityDropped int
}

// Dropped names a field that normalisation removed and why, e.g.
// {"data.coupon", "not a documented field, so it is not sent"}. Fields of content items are
// reported as data.contents[].name, without the index, so that a caller can
// warn once per stream and path.
type Dropped struct {
	Path   string
	Reason string
}

// Prepare validates and normalises one record's data. stream names the
// record's stream (used in rejections and for the derived id); record is its
// 1-based number in that stream. On success it returns the event; on a
// record-level problem it returns a *Rejection (use errors.As). Prepare does
// not keep data.
func (p *Preparer) Prepare(stream string, record int64, data []byte) (Event, error) {
	return p.PrepareString(stream, record, string(data))
}

// PrepareString is Prepare of data held in a string, which it does not copy: a caller that
// owns the record's bytes and never writes them again can pass them without a copy (see
// unsafe.String). The event may share memory with data (its ID, its Dropped paths).
func (p *Preparer) PrepareString(stream string, record int64, data string) (Event, error) {
	ev, prob := p.prepare(stream, data)
	if prob != nil {
		return Event{}, &Rejection{Stream: stream, Record: record, Path: prob.path, Rule: prob.rule, Message: prob.msg, Hint: prob.hint}
	}
	return ev, nil
}

// maxEventReserve bounds the room reserved for an event's JSON ahead: about the record's
// size, but not the whole of a large record, whose fields are mostly dropped or refused.
const maxEventReserve = 64 << 10

func (p *Preparer) prepare(stream string, data string) (Event, *problem) {
	r := record{now: p.now(), loc: p.loc, defaultSource: p.defaultSource}
	if prob := scan(&r, data); prob == errFlatColumns {
		if prob := r.scanFlat(data); prob != nil {
			return Event{}, prob
		}
	} else if prob != nil {
		return Event{}, prob
	}
	if prob := r.normalise(); prob != nil {
		return Event{}, r.flat.rename(prob)
	}
	out, id := r.encode(stream, make([]byte, 0, min(len(data), maxEventReserve)+160+r.u.digestBytes()))
	if p.maxEventBytes > 0 && len(out) > p.maxEventBytes {
		return Event{}, reject("", RuleEventSize, fmt.Sprintf("the event is %d bytes, more than a request may carry (%d bytes)", len(out), p.maxEventBytes))
	}
	if n := p.prepared.Add(1); p.validateAll || n%sampleEvery == 1 {
		if prob := p.validate(out); prob != nil {
			return Event{}, prob
		}
	}
	r.flat.renameDropped(r.dropped)
	if len(r.dropped) > 1 {
		slices.SortFunc(r.dropped, func(a, b Dropped) int { return strings.Compare(a.Path, b.Path) })
	}
	return Event{JSON: out, ID: id, Type: r.typeName, TimestampMS: r.tsMS, Dropped: r.dropped, IdentityDropped: r.identityDropped}, nil
}

// scan reads the record's top-level object into r.
func scan(r *record, data string) *problem {
	p := parser{s: data}
	err := r.scanEvent(&p)
	if err == nil {
		p.skipSpace()
		if p.i != len(p.s) {
			err = p.fail("unexpected data after the JSON value")
		}
	}
	switch err := err.(type) {
	case nil:
		return nil
	case *problem:
		return err
	case *parseError:
		return reject("", err.rule, "record data is not valid JSON: "+err.Error())
	}
	return reject("", RuleJSONSyntax, "record data is not valid JSON")
}

// validate checks a prepared event against the compiled schema. A failure
// is a defect of the connector: the Go checks let through an event its own
// schema refuses.
func (p *Preparer) validate(out []byte) *problem {
	v, err := parseValue(string(out))
	if err != nil {
		return reject("", RuleSchema, "the prepared event is not valid JSON; this is a defect of the connector, please report it")
	}
	if err := p.schema.Validate(v); err != nil {
		return schemaProblem(err)
	}
	return nil
}
