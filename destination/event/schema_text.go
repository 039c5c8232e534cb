package event

import (
	"strings"

	"github.com/invopop/jsonschema"
)

// The schema side of values typed as text (see coerce.go): each helper makes
// the schema accept exactly the text forms the Go checks convert.

// Patterns of the text the Go checks read as an integer, after which the
// range checks of the field apply.
const (
	nonNegativeText = `^(0|[1-9][0-9]*)$`
	positiveText    = `^[1-9][0-9]*$`
)

// textInteger lets property name also be the text of a plain decimal integer
// matching pattern, as amounts and quantities may be; example is such a text.
func textInteger(s *jsonschema.Schema, name, pattern, example string) {
	lenient(s, name, "integer", "string")
	if p, ok := s.Properties.Get(name); ok {
		p.Pattern = pattern
		p.Description = sentence(p.Description, `An integer, or its text ("`+example+`").`)
	}
}

// textBoolean lets property name also be the text true or false, in any
// letter case.
func textBoolean(s *jsonschema.Schema, name string) {
	lenient(s, name, "boolean", "string")
	if p, ok := s.Properties.Get(name); ok {
		p.Pattern = "^(" + foldPattern("true") + "|" + foldPattern("false") + ")$"
		p.Description = sentence(p.Description, `A boolean, or the text "true" or "false" in any letter case.`)
	}
}

// foldEnum makes property name a string equal to one of values in any letter
// case. JSON Schema's enum compares exactly, so this is a pattern.
func foldEnum(s *jsonschema.Schema, name string, values ...string) {
	p, ok := s.Properties.Get(name)
	if !ok {
		return
	}
	p.Enum, p.Type, p.Pattern = nil, "string", foldEnumPattern(values...)
	p.Description = sentence(p.Description, "One of "+strings.Join(values, ", ")+", in any letter case.")
}

// foldEnumPattern is an anchored pattern that matches any of values in any
// letter case.
func foldEnumPattern(values ...string) string {
	var b strings.Builder
	b.WriteString("^(")
	for i, v := range values {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(foldPattern(v))
	}
	b.WriteString(")$")
	return b.String()
}

// foldPattern is a pattern matching the ASCII word w in any letter case:
// order_created becomes [oO][rR][dD][eE][rR]_[cC]...
func foldPattern(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte('[')
			b.WriteByte(c)
			b.WriteByte(c - 'a' + 'A')
			b.WriteByte(']')
		case isASCIIAlnum(c) || c == '_':
			b.WriteByte(c)
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String()
}

// sentence appends the sentence s to the description d.
func sentence(d, s string) string {
	switch {
	case d == "":
		return s
	case s == "":
		return d
	}
	return d + " " + s
}
