package event

import (
	"crypto/sha256"
	"strings"
)

// userFields lists the documented plain user fields in the order they are
// sent, after email_sha256 and external_id_sha256; other user fields follow
// in key order.
var userFields = [...]string{"country", "city", "zip_code", "ip_address", "user_agent"}

// userFieldNames are userFields as quoted keys with a colon, ready to append.
var userFieldNames = [...]string{`"country":`, `"city":`, `"zip_code":`, `"ip_address":`, `"user_agent":`}

// member is one pass-through object member.
type member struct {
	key string
	v   val
}

// digest is a *_sha256 field: given as 64 lowercase hex characters, or
// computed from plaintext.
type digest struct {
	given    string
	sum      [sha256.Size]byte
	computed bool
}

func (d *digest) present() bool { return d.given != "" || d.computed }

// userOut is the normalised user object.
type userOut struct {
	email, externalID digest
	fields            [len(userFields)]val
	rest              []member
}

func (u *userOut) empty() bool {
	if u.email.present() || u.externalID.present() || len(u.rest) > 0 {
		return false
	}
	for _, f := range u.fields {
		if f.k != absent {
			return false
		}
	}
	return true
}

// userScan holds the user fields that need work after the scan, each with
// the key it arrived under, which may differ from the documented name in
// letter case (EMAIL, External_ID).
type userScan struct {
	email, externalID, emailHash, externalIDHash member
	dropped                                      []string // keys dropped by the scan
}

// Reasons for dropping user fields.
const (
	reasonPhone    = "plaintext phone numbers are never sent"
	reasonPersonal = "may hold plaintext personal data, so it is not sent"
)

// normaliseUser reads user (an object or its JSON text), hashes plaintext
// email and external_id, drops phone numbers and other fields that may hold
// plaintext personal data, checks every *_sha256 field and passes everything
// else through, nulls stripped.
func (r *record) normaliseUser() *problem {
	switch r.user.k {
	case absent, object: // an object was scanned with the record
	case text:
		p, blank, err := embedded(r.user.s, '{')
		if err == nil && !blank {
			err = finish(&p, r.scanUser(&p))
		}
		if err != nil {
			return embeddedProblem("user", RuleUserObject, err)
		}
		if blank {
			return nil
		}
	default:
		return embeddedProblem("user", RuleUserObject, errNotComposite)
	}
	for i, f := range r.u.fields {
		if f.k != absent && f.k != text {
			return reject("user."+userFields[i], RuleStringType, "must be a string")
		}
	}
	s := &r.us
	if prob := r.hashPlaintext(&r.u.email, s.email, s.emailHash, "email", true); prob != nil {
		return prob
	}
	if prob := r.hashPlaintext(&r.u.externalID, s.externalID, s.externalIDHash, "external_id", false); prob != nil {
		return prob
	}
	return r.checkRestDigests()
}

// scanUser reads the user object at p.i, sorting its members into the
// identifiers, the documented fields, the dropped fields and the
// pass-through rest.
func (r *record) scanUser(p *parser) error {
	if err := p.open(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		k, more, err := p.next(n)
		if err != nil || !more {
			return err
		}
		v, err := p.raw()
		if err != nil {
			return err
		}
		if v.k == null {
			continue
		}
		if err := r.userMember(k, v); err != nil {
			return err
		}
	}
}

// userMember files the user member k, whose value v is not null. The
// identifiers email, external_id and their digests, and the phone fields, are
// recognised in any letter case, as warehouses often upper-case column names.
func (r *record) userMember(k string, v val) error {
	u, s := &r.u, &r.us
	id := s.ident(k)
	slot := u.field(k)
	lk := k
	if id == nil && slot == nil {
		lk = strings.ToLower(k) // no allocation when k has no upper case
		if lk != k {
			id = s.ident(lk)
		}
	}
	if id != nil {
		if id.v.k != absent {
			return duplicateUserKey(id.key, k)
		}
		*id = member{key: k, v: v}
		return nil
	}
	if slot == nil {
		if reason := personalReason(lk); reason != "" {
			if seenBefore(&s.dropped, k) {
				return duplicateUserKey(k, k)
			}
			r.drop("user."+k, reason)
			r.keep(sectionUser, 0, k, v)
			return nil
		}
		for _, m := range u.rest {
			if m.key == k {
				return duplicateUserKey(k, k)
			}
		}
		u.rest = append(u.rest, member{key: k})
		slot = &u.rest[len(u.rest)-1].v
	}
	if slot.k != absent {
		return duplicateUserKey(k, k)
	}
	if v.k == object || v.k == array {
		var err error
		if v, err = canonical(v); err != nil {
			return err
		}
	}
	*slot = v
	return nil
}

func duplicateUserKey(first, second string) *problem {
	if first != second {
		return reject("user", RuleJSONDuplicateKey, "has the same field twice, in different letter case")
	}
	return reject("user", RuleJSONDuplicateKey, "has a duplicate key")
}

// ident returns where the identifier named k (in lower case) is kept, or nil.
func (s *userScan) ident(k string) *member {
	switch k {
	case "email":
		return &s.email
	case "external_id":
		return &s.externalID
	case "email_sha256":
		return &s.emailHash
	case "external_id_sha256":
		return &s.externalIDHash
	}
	return nil
}

// field returns where the documented plain user field k is kept, or nil.
func (u *userOut) field(k string) *val {
	for i, f := range userFields {
		if f == k {
			return &u.fields[i]
		}
	}
	return nil
}

// personalReason says why the undocumented user field whose lower-cased name
// is lk is dropped, or returns "" when it passes through: a phone number is
// never sent, and neither is any other field whose name mentions email or
// phone, unless it is a *_sha256 digest.
func personalReason(lk string) string {
	switch {
	case lk == "phone" || lk == "phone_number":
		return reasonPhone
	case strings.HasSuffix(lk, "_sha256"):
		return ""
	case strings.Contains(lk, "email") || strings.Contains(lk, "phone"):
		return reasonPersonal
	}
	return ""
}

// isDigestKey reports whether the user field k holds a digest: its name ends
// in _sha256, in any letter case.
func isDigestKey(k string) bool {
	return strings.HasSuffix(strings.ToLower(k), "_sha256")
}

// hashPlaintext fills d from the given digest or from the plaintext, which is
// trimmed (and lower-cased when lower is set) and hashed. A given digest wins
// over plaintext, which is then dropped unhashed. name is the documented name
// of the plaintext field; paths use the keys as given.
func (r *record) hashPlaintext(d *digest, plain, given member, name string, lower bool) *problem {
	if given.v.k != absent {
		s, prob := normaliseSHA256(given.v, "user."+given.key)
		if prob != nil {
			return prob
		}
		d.given = s
	}
	if plain.v.k == absent {
		return nil
	}
	if plain.v.k != text {
		return reject("user."+plain.key, RuleStringType, "must be a string")
	}
	if given.v.k != absent {
		r.drop("user."+plain.key, "plaintext is never sent; the given "+name+"_sha256 is used")
		r.keep(sectionUser, 0, plain.key, plain.v)
		return nil
	}
	s := strings.TrimSpace(plain.v.s)
	if s == "" {
		r.drop("user."+plain.key, "empty after trimming")
		r.keep(sectionUser, 0, plain.key, plain.v)
		return nil
	}
	d.sum, d.computed = hashNormalised(s, lower), true
	return nil
}

// hashNormalised returns the SHA-256 of s, lower-cased first when lower is
// set. ASCII input of ordinary length is lower-cased in a stack buffer.
func hashNormalised(s string, lower bool) [sha256.Size]byte {
	if !lower {
		return sha256.Sum256([]byte(s))
	}
	var buf [256]byte
	if len(s) <= len(buf) {
		b := buf[:len(s)]
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 0x80 {
				return sha256.Sum256([]byte(strings.ToLower(s)))
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		return sha256.Sum256(b)
	}
	return sha256.Sum256([]byte(strings.ToLower(s)))
}

// checkRestDigests checks the pass-through fields named *_sha256 (in any
// letter case): each holds a digest or an array of digests, which are
// lower-cased.
func (r *record) checkRestDigests() *problem {
	for i := range r.u.rest {
		m := &r.u.rest[i]
		if !isDigestKey(m.key) {
			continue
		}
		path := "user." + m.key
		if m.v.k != array {
			s, prob := normaliseSHA256(m.v, path)
			if prob != nil {
				return prob
			}
			m.v.s = s
			continue
		}
		elems, _ := parseValue(m.v.s)
		a, _ := elems.([]any)
		for j, e := range a {
			s, _ := e.(string)
			d, prob := normaliseSHA256(val{text, s}, path)
			if prob != nil || e == nil {
				return rejectHint(path, RuleSHA256Hex, "must be SHA-256 digests of 64 hex characters", "send plaintext as user.email or user.external_id and the connector hashes it")
			}
			a[j] = d
		}
		m.v.s = string(appendValue(nil, a))
	}
	return nil
}

// normaliseSHA256 checks that v is 64 hex characters and lower-cases it. The
// value is never echoed in the rejection.
func normaliseSHA256(v val, path string) (string, *problem) {
	bad := func() *problem {
		return rejectHint(path, RuleSHA256Hex, "must be a SHA-256 digest of 64 hex characters", "send plaintext as user.email or user.external_id and the connector hashes it")
	}
	s := v.s
	if v.k != text || len(s) != 64 {
		return "", bad()
	}
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return "", bad()
		}
	}
	if upper {
		s = strings.ToLower(s)
	}
	return s, nil
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
