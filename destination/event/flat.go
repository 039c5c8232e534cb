package event

import (
	"encoding/json"
	"slices"
	"strings"
)

// Flat columns. A warehouse table has plain columns, and the platform's
// mapping screen offers only top-level properties, so every user and data
// field may also arrive as a top-level column named user_<field> or
// data_<field> (user_email, data_amount, data_contents). The prefixes are
// lower case, like every top-level name; the field name after them is taken
// as written, so user_EMAIL is user.EMAIL, which the user rules read in any
// letter case. A documented field whose name starts with its object's prefix
// is its own column: user_agent is user.user_agent (user_user_agent works
// too).
//
// Records without such a column never come here: the scan stops at the first
// one (errFlatColumns), and scanFlat rebuilds the record with the flat
// columns moved into user and data, then scans that. So the rules, the
// output and the derived id are those of the same record written nested.

// Prefixes of flat columns.
const (
	userPrefix = "user_"
	dataPrefix = "data_"
)

// errFlatColumns stops the scan of a record at its first flat column.
var errFlatColumns = &problem{rule: "flat_columns"}

// isFlatKey reports whether the top-level key k is a flat column.
func isFlatKey(k string) bool {
	return len(k) > len(userPrefix) && (k[:len(userPrefix)] == userPrefix || k[:len(dataPrefix)] == dataPrefix)
}

// flatColumns records which user and data fields came as flat columns, so
// that rejections and dropped fields name the column the user wrote.
type flatColumns struct {
	user []flatMember // the members of user; column is set for those of flat columns
	data []flatMember // the members of data, likewise
}

// scanFlat scans data again with its flat columns moved into user and data.
// A record whose flat columns cannot be merged (a syntax error, a user or
// data that is not an object, a key given twice) is scanned as it is, flat
// columns as undocumented fields, and so refused for the same rule as
// without them.
func (r *record) scanFlat(data string) *problem {
	rebuilt, cols, prob := flatten(data)
	if prob != nil {
		return prob
	}
	// Start over with the Preparer's settings only; flat columns are no longer looked for.
	*r = record{now: r.now, loc: r.loc, defaultSource: r.defaultSource, flat: &cols}
	if rebuilt == "" {
		rebuilt = data
	}
	return r.flat.rename(scan(r, rebuilt))
}

// member of an object being rebuilt: its key, its JSON text and where it came
// from (a flat column, or "" when it was nested).
type flatMember struct {
	key, raw, column string
}

// flatObject collects the members of user or data.
type flatObject struct {
	name     string       // user or data
	nested   val          // the nested value as scanned
	seen     bool         // the nested field was present (possibly null)
	members  []flatMember // nested members, then the fields taken from flat columns
	flatUsed bool         // a flat column was added
}

// flatRecord is a record being rebuilt.
type flatRecord struct {
	out  []byte        // the rebuilt record so far: '{' and the other members
	objs [2]flatObject // user and data
	flat []flatMember  // the flat columns, in record order; raw is "" for null
}

// flatten rebuilds the record data with its flat columns merged into user and
// data. It returns "" when the record is to be scanned as it is, and a
// flat_conflict problem when a field is given twice with different values.
func flatten(data string) (string, flatColumns, *problem) {
	fr := flatRecord{
		objs: [2]flatObject{{name: "user"}, {name: "data"}},
		out:  make([]byte, 0, len(data)+32),
		flat: make([]flatMember, 0, 16),
	}
	if !fr.read(data) {
		return "", flatColumns{}, nil
	}
	for i := range fr.objs {
		ok, prob := fr.objs[i].merge(fr.flat)
		if prob != nil || !ok {
			return "", flatColumns{}, prob
		}
		fr.out = fr.objs[i].append(fr.out)
	}
	fr.out = append(fr.out, '}')
	return string(fr.out), flatColumns{user: fr.objs[0].members, data: fr.objs[1].members}, nil
}

// read sorts the members of the record's top-level object into user, data,
// flat columns and the rest. It is false when the record is not one valid
// JSON object, or has user, data or a flat column twice.
func (fr *flatRecord) read(data string) bool {
	p := parser{s: data}
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return false
	}
	fr.out = append(fr.out, '{')
	m := p.members()
	for m.next(&p) {
		start := p.i
		v, _ := m.value(&p) // null too: a null flat column is remembered
		if m.err == nil && !fr.member(m.key, v, data[start:p.i]) {
			return false
		}
	}
	return finish(&p, m.err) == nil
}

// member files the top-level member k, whose value v has the JSON text raw.
func (fr *flatRecord) member(k string, v val, raw string) bool {
	switch {
	case k == "user" || k == "data":
		o := &fr.objs[0]
		if k == "data" {
			o = &fr.objs[1]
		}
		if o.seen {
			return false
		}
		o.seen, o.nested = true, v
	case isFlatKey(k):
		for _, f := range fr.flat {
			if f.column == k {
				return false
			}
		}
		if v.k == null {
			raw = ""
		}
		fr.flat = append(fr.flat, flatMember{key: k[len(userPrefix):], raw: raw, column: k})
	default:
		if len(fr.out) > 1 {
			fr.out = append(fr.out, ',')
		}
		fr.out = appendString(fr.out, k)
		fr.out = append(fr.out, ':')
		fr.out = append(fr.out, raw...)
	}
	return true
}

// merge reads the nested object and adds the flat columns that belong to it.
// ok is false when the nested value is not an object or its JSON text, or
// does not parse.
func (o *flatObject) merge(flat []flatMember) (ok bool, prob *problem) {
	o.members = make([]flatMember, 0, len(flat)+8)
	if !o.readNested() {
		return false, nil
	}
	prefix := o.name + "_"
	for _, f := range flat {
		if f.raw == "" || !strings.HasPrefix(f.column, prefix) {
			continue // null counts as absent
		}
		if slices.Contains(selfNamedColumns(), f.column) {
			f.key = f.column
		}
		if prob := o.add(f); prob != nil {
			return false, prob
		}
	}
	return true, nil
}

// readNested collects the members of the nested object, nulls left out.
func (o *flatObject) readNested() bool {
	var p parser
	switch o.nested.k {
	case absent, null:
		return true
	case object:
		p = parser{s: o.nested.s}
	case text:
		var blank bool
		var err error
		p, blank, err = embedded(o.nested.s, '{')
		if blank {
			return true
		}
		if err != nil {
			return false
		}
	default:
		return false
	}
	m := p.members()
	for m.next(&p) {
		start := p.i
		v, _ := m.value(&p)
		if m.err != nil {
			break
		}
		for _, f := range o.members {
			if f.key == m.key {
				return false
			}
		}
		if v.k != null {
			o.members = append(o.members, flatMember{key: m.key, raw: p.s[start:p.i]})
		}
	}
	return finish(&p, m.err) == nil
}

// add merges the flat column f, refusing a field given twice with different
// values.
func (o *flatObject) add(f flatMember) *problem {
	for _, m := range o.members {
		if m.key != f.key {
			continue
		}
		if sameJSON(m.raw, f.raw) {
			return nil
		}
		other := o.name + "." + m.key
		if m.column != "" {
			other = m.column
		}
		return rejectHint(f.column, RuleFlatConflict, "is also given as "+other+", with a different value",
			"give each field once: as a "+o.name+"_ column or inside "+o.name)
	}
	o.members = append(o.members, f)
	o.flatUsed = true
	return nil
}

// append writes the merged object as a member of the rebuilt record; a user
// or data that was absent and got no flat column stays absent.
func (o *flatObject) append(b []byte) []byte {
	if !o.flatUsed && !o.seen {
		return b
	}
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = appendString(b, o.name)
	b = append(b, ':')
	if !o.flatUsed {
		return o.appendNested(b)
	}
	b = append(b, '{')
	for i, m := range o.members {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, m.key)
		b = append(b, ':')
		b = append(b, m.raw...)
	}
	return append(b, '}')
}

// appendNested appends the nested value's JSON text, unchanged.
func (o *flatObject) appendNested(b []byte) []byte {
	switch o.nested.k {
	case text:
		return appendString(b, o.nested.s)
	case null:
		return append(b, "null"...)
	}
	return append(b, o.nested.s...)
}

// sameJSON reports whether two JSON texts hold the same value: equal after
// removing nulls and sorting keys, numbers equal as integers when both are.
func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	pa, pb := parser{s: a, lastWins: true}, parser{s: b, lastWins: true}
	x, errA := pa.value()
	y, errB := pb.value()
	if errA != nil || errB != nil {
		return false
	}
	if nx, ok := x.(json.Number); ok {
		if ny, ok := y.(json.Number); ok {
			ix, okx := shiftedInteger(string(nx), 0)
			iy, oky := shiftedInteger(string(ny), 0)
			return okx && oky && ix == iy
		}
	}
	return string(appendValue(nil, stripNulls(x))) == string(appendValue(nil, stripNulls(y)))
}
