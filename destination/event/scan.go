package event

// kind is the JSON kind of a scanned value.
type kind uint8

const (
	absent kind = iota // the field was not in the record
	null
	boolean
	number
	text
	object
	array
)

// val is a scanned JSON value: the decoded string for text, and the raw JSON
// text for every other kind (numbers keep their exact digits; objects and
// arrays are decoded later, if at all).
type val struct {
	k kind
	s string
}

// raw scans any JSON value without building it.
func (p *parser) raw() (val, error) {
	if p.i >= len(p.s) {
		return val{}, p.fail("unexpected end of JSON")
	}
	switch c := p.s[p.i]; {
	case c == '"':
		s, err := p.str()
		return val{text, s}, err
	case c == '{' || c == '[':
		start := p.i
		if err := p.skip(); err != nil {
			return val{}, err
		}
		if c == '{' {
			return val{object, p.s[start:p.i]}, nil
		}
		return val{array, p.s[start:p.i]}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := p.numberText()
		return val{number, n}, err
	default:
		start := p.i
		v, err := p.literal()
		if err != nil {
			return val{}, err
		}
		if v == nil {
			return val{k: null}, nil
		}
		return val{boolean, p.s[start:p.i]}, nil
	}
}

// skip checks the syntax of the object or array at p.i and moves past it.
func (p *parser) skip() error {
	if err := p.open(); err != nil {
		return err
	}
	isObject := p.s[p.i-1] == '{'
	for n := 0; ; n++ {
		var more bool
		var err error
		if isObject {
			_, more, err = p.next(n)
		} else {
			more, err = p.nextElem(n)
		}
		if err != nil || !more {
			return err
		}
		if _, err := p.raw(); err != nil {
			return err
		}
	}
}

// walk is a read of the members of an object or the elements of an array, one
// at a time, without a callback on the hot path:
//
//	m := p.members()
//	for m.next(p) {
//		v, ok := m.value(p) // or read the value at p.i another way
//		...
//	}
//	return m.err
//
// The loop ends at the closing bracket or at the first syntax error, which err
// keeps; a body that meets an error of its own returns it. The walk holds no
// pointer to the parser, so that a parser on the stack stays there.
type walk struct {
	n   int // members or elements read
	err error
}

// members is a walk over an object; key is the current member's key.
type members struct {
	walk
	key string
}

// elems is a walk over an array.
type elems struct{ walk }

// members starts a walk over the object at p.i.
func (p *parser) members() members { return members{walk: walk{err: p.open()}} }

// elems starts a walk over the array at p.i.
func (p *parser) elems() elems { return elems{walk{err: p.open()}} }

// next moves p to the next member's value; it is false at the end.
func (m *members) next(p *parser) bool {
	if m.err != nil {
		return false
	}
	var more bool
	m.key, more, m.err = p.next(m.n)
	m.n++
	return more
}

// next moves p to the next element; it is false at the end.
func (e *elems) next(p *parser) bool {
	if e.err != nil {
		return false
	}
	var more bool
	more, e.err = p.nextElem(e.n)
	e.n++
	return more
}

// value reads the value at p.i; ok is false for null, and on a syntax error,
// which ends the walk.
func (w *walk) value(p *parser) (v val, ok bool) {
	v, w.err = p.raw()
	return v, w.err == nil && v.k != null
}

// fill keeps v in slot, where a documented field is kept. For an undocumented
// field (slot nil) it notes k in others instead and reports undocumented. dup
// reports a field given twice, documented or not.
func fill(slot *val, others *[]string, k string, v val) (undocumented, dup bool) {
	if slot == nil {
		return true, seenBefore(others, k)
	}
	if slot.k != absent {
		return false, true
	}
	*slot = v
	return false, false
}

// open consumes the '{' or '[' at p.i.
func (p *parser) open() error {
	if err := p.enter(); err != nil {
		return err
	}
	p.i++
	return nil
}

// next moves to member n of the object being read and returns its key, with
// p.i at the member's value; more is false at the closing brace.
func (p *parser) next(n int) (key string, more bool, err error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return "", false, p.fail("unexpected end of JSON")
	}
	c := p.s[p.i]
	if c == '}' {
		p.i++
		p.depth--
		return "", false, nil
	}
	if n > 0 {
		if c != ',' {
			return "", false, p.fail("expected ',' or '}'")
		}
		p.i++
		p.skipSpace()
	}
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false, p.fail("expected a string key")
	}
	if key, err = p.str(); err != nil {
		return "", false, err
	}
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != ':' {
		return "", false, p.fail("expected ':'")
	}
	p.i++
	p.skipSpace()
	return key, true, nil
}

// nextElem moves to element n of the array being read; more is false at the
// closing bracket.
func (p *parser) nextElem(n int) (more bool, err error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return false, p.fail("unexpected end of JSON")
	}
	c := p.s[p.i]
	if c == ']' {
		p.i++
		p.depth--
		return false, nil
	}
	if n > 0 {
		if c != ',' {
			return false, p.fail("expected ',' or ']'")
		}
		p.i++
		p.skipSpace()
	}
	return true, nil
}

// embedded returns a parser at the start of the object or array (open is
// '{' or '[') held as JSON text in a string. blank reports an empty or
// all-blank string, which counts as absent. The text may nest maxDepth
// levels of its own.
func embedded(s string, open byte) (p parser, blank bool, err error) {
	p = parser{s: s}
	p.skipSpace()
	switch {
	case p.i == len(p.s):
		return p, true, nil
	case p.s[p.i] != open:
		return p, false, errNotComposite
	}
	return p, false, nil
}

// composite names a field kept as an object or array, or the JSON text of one.
type composite uint8

const (
	compositeUser composite = iota
	compositeData
	compositeContents
)

// composites are where each composite is reported, under which rule, and its kind.
var composites = [...]struct {
	path, rule string
	k          kind
}{
	compositeUser:     {"user", RuleUserObject, object},
	compositeData:     {"data", RuleJSONObject, object},
	compositeContents: {"data.contents", RuleContentsArray, array},
}

// scanComposite makes sure that v, the value of c, has been scanned: the
// record's scan read an object or array in place, and JSON text holding one is
// scanned now. blank reports a blank text; the problem, a text that does not
// parse or a value of another kind.
func (r *record) scanComposite(c composite, v val) (blank bool, prob *problem) {
	f := &composites[c]
	switch v.k {
	case absent, f.k:
		return false, nil
	case text:
		open := byte('{')
		if f.k == array {
			open = '['
		}
		p, blank, err := embedded(v.s, open)
		if err == nil && !blank {
			err = finish(&p, r.scanText(c, &p))
		}
		if err != nil {
			return false, embeddedProblem(f.path, f.rule, err)
		}
		return blank, nil
	}
	return false, embeddedProblem(f.path, f.rule, errNotComposite)
}

// scanText scans c's value from JSON text at p, with direct calls so that p
// stays on the stack.
func (r *record) scanText(c composite, p *parser) error {
	switch c {
	case compositeUser:
		return r.scanUser(p)
	case compositeData:
		return r.scanData(p)
	}
	return r.scanItems(p)
}

// finish checks that nothing but blanks follows the value a scan of embedded
// JSON text read; err is the scan's result.
func finish(p *parser, err error) error {
	if err != nil {
		return err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return p.fail("unexpected data after the JSON value")
	}
	return nil
}

// errNotComposite reports a value of the wrong kind to composite.
var errNotComposite = &parseError{rule: RuleJSONObject, msg: "wrong kind of value"}

func (k kind) String() string {
	switch k {
	case object:
		return "object"
	case array:
		return "array"
	case text:
		return "string"
	case number:
		return "number"
	case boolean:
		return "boolean"
	case null:
		return "null"
	}
	return "absent"
}
