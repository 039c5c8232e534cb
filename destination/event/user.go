package event

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxUserValues is the most values sent in one user list: "The API uses the
// first three valid, unique values per list field".
const maxUserValues = 3

// digestSize is the length of a SHA-256 digest in hex.
const digestSize = 2 * sha256.Size

// valueList is one list of the user object: digests for a hashed list,
// values as given otherwise (normalised when written), in input order,
// unique after normalisation.
type valueList struct {
	n     int
	s     [maxUserValues]string
	plain [maxUserValues]bool // s[i] is in normal form already
	sums  [maxUserValues][sha256.Size]byte
}

// normalised appends value i of this plain list (userLists[list]) in normal
// form to buf.
func (l *valueList) normalised(list, i int, buf []byte) []byte {
	if l.plain[i] {
		return append(buf, l.s[i]...)
	}
	norm, _ := normaliseListValue(list, buf, l.s[i])
	return norm
}

// maxAliasLen bounds the length of alias names (phone_numbers_sha256 is the
// longest); a longer key is no alias.
const maxAliasLen = len("phone_numbers_sha256") + 2

// userOut is the normalised user object.
type userOut struct {
	lists   [numUserLists]valueList
	scalars [numUserScalars]string // "" when absent
}

// digestBytes is how many bytes the hashed lists take in the output.
func (u *userOut) digestBytes() int {
	n := 0
	for i := range u.lists {
		if userLists[i].hashed {
			n += u.lists[i].n * (digestSize + 3)
		}
	}
	return n
}

func (u *userOut) empty() bool {
	for i := range u.lists {
		if u.lists[i].n > 0 {
			return false
		}
	}
	for _, s := range u.scalars {
		if s != "" {
			return false
		}
	}
	return true
}

// userScan holds the user members as scanned: one slot per alias, with the
// key the member arrived under (EMAIL, Emails ...).
type userScan struct {
	given   [len(userAliases)]member
	dropped []string // undocumented keys, to find duplicates
}

// member is one object member as scanned.
type member struct {
	key string
	v   val
}

// normaliseUser reads user (an object or its JSON text) and builds the
// documented lists and scalars from the aliases; every other user field was
// dropped by the scan. A value that fails its rule is dropped and counted,
// never the event.
func (r *record) normaliseUser() *problem {
	if blank, prob := r.scanComposite(compositeUser, r.user); blank || prob != nil {
		return prob
	}
	for a := range userAliases {
		m := &r.us.given[a]
		if m.v.k == absent {
			continue
		}
		al := &userAliases[a]
		var prob *problem
		if al.scalar {
			prob = r.userScalar(al, m)
		} else {
			prob = r.userValues(al, m)
		}
		if prob != nil {
			return prob
		}
	}
	return nil
}

// scanUser reads the user object at p.i, filing each member under its alias
// and dropping the rest.
func (r *record) scanUser(p *parser) error {
	m := p.members()
	for m.next(p) {
		if v, ok := m.value(p); ok {
			if err := r.userMember(m.key, v); err != nil {
				return err
			}
		}
	}
	return m.err
}

// userMember files the user member k, whose value v is not null, under its
// alias, in any letter case; an unknown field is dropped unsent and never
// enters a derived id.
func (r *record) userMember(k string, v val) error {
	s := &r.us
	a, ok := 0, false
	if len(k) <= maxAliasLen {
		var lower [maxAliasLen]byte // the key in lower case, on the stack
		for i := 0; i < len(k); i++ {
			c := k[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		a, ok = aliasIndex(string(lower[:len(k)]))
	}
	if !ok {
		if seenBefore(&s.dropped, k) {
			return duplicateUserKey(k, k)
		}
		r.drop("user."+k, reasonUndocumentedUser)
		return nil
	}
	if g := &s.given[a]; g.v.k != absent {
		return duplicateUserKey(g.key, k)
	}
	s.given[a] = member{key: k, v: v}
	return nil
}

func duplicateUserKey(first, second string) *problem {
	if first != second {
		return reject("user", RuleJSONDuplicateKey, "has the same field twice, in different letter case")
	}
	return reject("user", RuleJSONDuplicateKey, "has a duplicate key")
}

// userScalar checks a scalar user field, which must be a string; a value
// that fails its rule is dropped and counted.
func (r *record) userScalar(al *userAlias, m *member) *problem {
	if m.v.k != text {
		return reject("user."+m.key, RuleStringType, "must be a string")
	}
	s, ok := userScalars[al.target].normalise(m.v.s)
	if !ok {
		r.dropIdentity(m.key, userScalars[al.target].reason)
		return nil
	}
	r.u.scalars[al.target] = s
	return nil
}

// userValues adds the values of the list alias al, given as m: a value, a
// list, or the JSON text of a list. A value or list element of a JSON kind
// the schema refuses is refused; inside JSON text, where the schema cannot
// see, it is dropped and counted instead.
func (r *record) userValues(al *userAlias, m *member) *problem {
	path := m.key // the user field's key; "user." is added where it is reported
	switch m.v.k {
	case text:
		p, _, err := embedded(m.v.s, '[')
		if err == errNotComposite {
			return r.userValue(al, path, m.v, true)
		}
		if err == nil && p.i < len(p.s) {
			check := p // the whole text must parse before any value is taken
			err = finish(&check, check.skip())
		}
		if err == nil {
			err = r.userElems(al, path, &p, false)
		}
		if err != nil {
			r.dropIdentity(path, "is not valid JSON text of a list, so it is not sent")
		}
		return nil
	case array:
		p := parser{s: m.v.s}
		if err := r.userElems(al, path, &p, true); err != nil {
			if prob, ok := err.(*problem); ok {
				return prob
			}
		}
		return nil // the scan checked the syntax
	}
	return r.userValue(al, path, m.v, true)
}

// userElems adds the elements of the array at p.i (or nothing at the end of a
// blank text); nulls are skipped.
func (r *record) userElems(al *userAlias, path string, p *parser, strict bool) error {
	if p.i == len(p.s) {
		return nil
	}
	e := p.elems()
	for e.next(p) {
		if v, ok := e.value(p); ok {
			if prob := r.userValue(al, path, v, strict); prob != nil {
				return prob
			}
		}
	}
	return e.err
}

// userValue normalises one value of a list alias and adds it to its list. A
// value of the wrong JSON kind is refused when strict, and dropped otherwise.
func (r *record) userValue(al *userAlias, path string, v val, strict bool) *problem {
	spec := &userLists[al.target]
	l := &r.u.lists[al.target]
	numbers := spec.numbers && !al.digest
	if v.k != text && (v.k != number || !numbers) {
		if strict {
			if numbers {
				return reject("user."+path, RuleStringType, "must be a string, an integer or a list of them")
			}
			return reject("user."+path, RuleStringType, "must be a string or a list of strings")
		}
		r.dropIdentity(path, "is not a string, so it is not sent")
		return nil
	}
	if al.digest {
		sum, ok := parseDigest(v)
		if !ok {
			r.dropIdentity(path, "is not a SHA-256 digest of 64 hex characters, so it is not sent")
			return nil
		}
		r.addSum(l, path, sum)
		return nil
	}
	s := v.s
	if v.k == number {
		d, ok := shiftedInteger(v.s, 0)
		if !ok || d[0] == '-' {
			r.dropIdentity(path, spec.reason)
			return nil
		}
		s = d
	}
	if spec.digestInPlain {
		if sum, ok := parseDigest(val{text, strings.TrimSpace(s)}); ok {
			r.dropOnce(path, "holds SHA-256 digests, which are sent as they are in "+spec.wire+", not hashed again")
			r.addSum(l, path, sum)
			return nil
		}
	}
	var buf [256]byte
	norm, ok := normaliseListValue(al.target, buf[:0], s)
	if !ok {
		r.dropIdentity(path, spec.reason)
		return nil
	}
	if spec.hashed {
		r.addSum(l, path, sha256.Sum256(norm))
		return nil
	}
	r.addString(l, al.target, path, s, norm)
	return nil
}

// addSum adds a digest to a hashed list unless it is there already.
func (r *record) addSum(l *valueList, key string, sum [sha256.Size]byte) {
	for i := 0; i < l.n; i++ {
		if l.sums[i] == sum {
			return
		}
	}
	if r.full(l, key) {
		return
	}
	l.sums[l.n] = sum
	l.n++
}

// addString adds a value to a plain list unless its normalised form norm is
// there already. The list keeps the value as given, which costs no
// allocation, and normalises it again when it is written unless it was in
// normal form already.
func (r *record) addString(l *valueList, list int, key, given string, norm []byte) {
	for i := 0; i < l.n; i++ {
		var buf [256]byte
		if string(l.normalised(list, i, buf[:0])) == string(norm) {
			return
		}
	}
	if r.full(l, key) {
		return
	}
	l.s[l.n], l.plain[l.n] = given, string(norm) == given
	l.n++
}

// full reports whether l holds its most values already, noting the value
// left out.
func (r *record) full(l *valueList, key string) bool {
	if l.n < maxUserValues {
		return false
	}
	r.dropOnce(key, "holds more than 3 values; the first 3 valid, unique ones are sent")
	return true
}

// dropIdentity drops a value of the user field key that failed its rule,
// and counts it.
func (r *record) dropIdentity(key, reason string) {
	r.identityDropped++
	r.dropOnce(key, reason)
}

// dropOnce reports the user field key once per record and reason.
func (r *record) dropOnce(key, reason string) {
	for _, d := range r.dropped {
		if len(d.Path) == len("user.")+len(key) && d.Path[len("user."):] == key && d.Reason == reason {
			return
		}
	}
	r.drop("user."+key, reason)
}

// parseDigest reads a SHA-256 digest of 64 hex characters in any letter
// case. The value is never echoed.
func parseDigest(v val) (sum [sha256.Size]byte, ok bool) {
	if v.k != text || len(v.s) != digestSize {
		return sum, false
	}
	for i := 0; i < sha256.Size; i++ {
		hi, ok1 := unhex(v.s[2*i])
		lo, ok2 := unhex(v.s[2*i+1])
		if !ok1 || !ok2 {
			return sum, false
		}
		sum[i] = hi<<4 | lo
	}
	return sum, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendSum appends a digest as a quoted lowercase hex string.
func appendSum(b []byte, sum *[sha256.Size]byte) []byte {
	b = append(b, '"')
	b = hex.AppendEncode(b, sum[:])
	return append(b, '"')
}

// canonical re-encodes an object or array with nulls stripped and object keys
// sorted, so that pass-through values are sent the same way every time.
func canonical(v val) (val, error) {
	t, err := parseValue(v.s)
	if err != nil {
		return val{}, err
	}
	return val{v.k, string(appendValue(nil, stripNulls(t)))}, nil
}

// embeddedProblem reports an object field that is not an object, or whose
// JSON text does not parse. A problem found while scanning passes unchanged.
func embeddedProblem(path, rule string, err error) *problem {
	if prob, ok := err.(*problem); ok {
		return prob
	}
	msg := "must be a JSON object or the JSON text of one"
	if rule == RuleContentsArray {
		msg = "must be an array of content items or the JSON text of one"
	}
	if err != errNotComposite {
		msg += ": " + err.Error()
	}
	return reject(path, rule, msg)
}
