package event

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
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
	user []flatMember // user fields taken from flat columns
	data []flatMember // data fields taken from flat columns
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
	*r = record{now: r.now, flat: &cols} // flat columns are no longer looked for
	if rebuilt == "" {
		rebuilt = data
	}
	return r.flat.rename(scan(r, rebuilt))
}

// flatColumnName is the column of the field of object obj (user or data):
// obj_field, or the field's own name when it starts with obj_ (user_agent).
func flatColumnName(obj, field string) string {
	if strings.HasPrefix(field, obj+"_") {
		return field
	}
	return obj + "_" + field
}

// selfNamedColumns lists the documented user and data fields whose names
// start with their object's prefix (user_agent): each is its own column.
var selfNamedColumns = sync.OnceValue(func() []string {
	var names []string
	for _, obj := range []struct {
		prefix string
		t      reflect.Type
	}{{userPrefix, reflect.TypeFor[User]()}, {dataPrefix, reflect.TypeFor[Data]()}} {
		for i := 0; i < obj.t.NumField(); i++ {
			name, _, _ := strings.Cut(obj.t.Field(i).Tag.Get("json"), ",")
			if strings.HasPrefix(name, obj.prefix) {
				names = append(names, name)
			}
		}
	}
	return names
})

// member of an object being rebuilt: its key, its JSON text and where it came
// from (a flat column, or "" when it was nested).
type flatMember struct {
	key, raw, column string
}

// flatObject collects the members of user or data.
type flatObject struct {
	name     string // user or data
	nested   val    // the nested value as scanned
	seen     bool   // the nested field was present (possibly null)
	members  []flatMember
	fromFlat []flatMember // fields taken from flat columns
}

// flatten rebuilds the record data with its flat columns merged into user and
// data. It returns "" when the record is to be scanned as it is, and a
// flat_conflict problem when a field is given twice with different values.
func flatten(data string) (string, flatColumns, *problem) {
	p := parser{s: data}
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '{' || p.open() != nil {
		return "", flatColumns{}, nil
	}
	objs := [2]flatObject{{name: "user"}, {name: "data"}}
	out := make([]byte, 0, len(data)+32)
	out = append(out, '{')
	var flat []flatMember // flat columns, in record order
	for n := 0; ; n++ {
		k, more, err := p.next(n)
		if err != nil {
			return "", flatColumns{}, nil
		}
		if !more {
			break
		}
		start := p.i
		v, err := p.raw()
		if err != nil {
			return "", flatColumns{}, nil
		}
		raw := data[start:p.i]
		switch {
		case k == "user" || k == "data":
			o := &objs[0]
			if k == "data" {
				o = &objs[1]
			}
			if o.seen {
				return "", flatColumns{}, nil
			}
			o.seen, o.nested = true, v
		case isFlatKey(k):
			for _, f := range flat {
				if f.column == k {
					return "", flatColumns{}, nil
				}
			}
			flat = append(flat, flatMember{key: k[len(userPrefix):], raw: raw, column: k})
			if v.k == null {
				flat[len(flat)-1].raw = ""
			}
		default:
			if len(out) > 1 {
				out = append(out, ',')
			}
			out = appendString(out, k)
			out = append(out, ':')
			out = append(out, raw...)
		}
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return "", flatColumns{}, nil
	}
	for i := range objs {
		ok, prob := objs[i].merge(flat)
		if prob != nil || !ok {
			return "", flatColumns{}, prob
		}
		out = objs[i].append(out)
	}
	out = append(out, '}')
	return string(out), flatColumns{user: objs[0].fromFlat, data: objs[1].fromFlat}, nil
}

// merge reads the nested object and adds the flat columns that belong to it.
// ok is false when the nested value is not an object or its JSON text, or
// does not parse.
func (o *flatObject) merge(flat []flatMember) (ok bool, prob *problem) {
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
	if p.open() != nil {
		return false
	}
	for n := 0; ; n++ {
		k, more, err := p.next(n)
		if err != nil {
			return false
		}
		if !more {
			break
		}
		start := p.i
		v, err := p.raw()
		if err != nil {
			return false
		}
		for _, m := range o.members {
			if m.key == k {
				return false
			}
		}
		if v.k != null {
			o.members = append(o.members, flatMember{key: k, raw: p.s[start:p.i]})
		}
	}
	p.skipSpace()
	return p.i == len(p.s)
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
	o.fromFlat = append(o.fromFlat, f)
	return nil
}

// append writes the merged object as a member of the rebuilt record; a user
// or data that was absent and got no flat column stays absent.
func (o *flatObject) append(b []byte) []byte {
	if len(o.fromFlat) == 0 {
		if !o.seen {
			return b
		}
		return o.appendMember(b, o.nestedRaw())
	}
	obj := make([]byte, 0, 64)
	obj = append(obj, '{')
	for i, m := range o.members {
		if i > 0 {
			obj = append(obj, ',')
		}
		obj = appendString(obj, m.key)
		obj = append(obj, ':')
		obj = append(obj, m.raw...)
	}
	return o.appendMember(b, append(obj, '}'))
}

// nestedRaw is the nested value's JSON text, unchanged.
func (o *flatObject) nestedRaw() []byte {
	switch o.nested.k {
	case text:
		return appendString(nil, o.nested.s)
	case null:
		return []byte("null")
	}
	return []byte(o.nested.s)
}

func (o *flatObject) appendMember(b, value []byte) []byte {
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = appendString(b, o.name)
	b = append(b, ':')
	return append(b, value...)
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

// rename gives a problem found in the rebuilt record the path of the flat
// column its field came from (user.email becomes user_email). c may be nil.
func (c *flatColumns) rename(prob *problem) *problem {
	if c != nil && prob != nil {
		prob.path = c.column(prob.path)
	}
	return prob
}

// renameDropped does the same for the dropped fields. c may be nil.
func (c *flatColumns) renameDropped(dropped []Dropped) {
	if c == nil {
		return
	}
	for i := range dropped {
		dropped[i].Path = c.column(dropped[i].Path)
	}
}

// column returns path with its field replaced by the flat column the field
// came from, if any: user.email becomes user_email, and
// data.contents[0].quantity becomes data_contents[0].quantity.
func (c *flatColumns) column(path string) string {
	for _, f := range c.user {
		if fieldPath(path, "user.", f.key) {
			return f.column + path[len("user.")+len(f.key):]
		}
	}
	for _, f := range c.data {
		if fieldPath(path, "data.", f.key) {
			return f.column + path[len("data.")+len(f.key):]
		}
	}
	return path
}

// fieldPath reports whether path is the field f of the object prefix names,
// or lies below it.
func fieldPath(path, prefix, f string) bool {
	n := len(prefix) + len(f)
	if len(path) < n || path[:len(prefix)] != prefix || path[len(prefix):n] != f {
		return false
	}
	return len(path) == n || path[n] == '.' || path[n] == '['
}
