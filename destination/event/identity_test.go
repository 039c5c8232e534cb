package event

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
)

// TestNormalisersMatchTheirUnicodeDefinition checks the ASCII fast paths
// against the plain Unicode definitions, on ASCII and mixed input.
func TestNormalisersMatchTheirUnicodeDefinition(t *testing.T) {
	name := func(s string) string {
		return strings.Map(func(c rune) rune {
			if unicode.IsSpace(c) || (c < 0x80 && isASCIIPunct(byte(c))) {
				return -1
			}
			return unicode.ToLower(c)
		}, s)
	}
	for _, s := range []string{"Jane", " O'Neil-Smith\t", "A\x01B\x7fC", "ÉLODIE Ștefănescu", "Ab\u00a0Cd", "x\vy\fz", "İstanbul"} {
		got, _ := normaliseName(nil, s)
		assert.Equal(t, name(s), string(got), "name %q", s)
		place, _ := normalisePlace(nil, s)
		assert.Equal(t, strings.ToLower(strings.TrimSpace(s)), string(place), "place %q", s)
	}
	for _, s := range []string{"Jane@X.com", "ÉL@x.COM", "a\x01@x.com", "é\x01@x.com"} {
		got, ok := normaliseEmail(nil, s)
		assert.True(t, ok, s)
		assert.Equal(t, strings.ToLower(s), string(got), "email %q", s)
	}
	for _, s := range []string{"a b@x.com", "é b@x.com", "a\u00a0b@x.com", "a\tb@x.com"} {
		_, ok := normaliseEmail(nil, s)
		assert.False(t, ok, "email %q has whitespace", s)
	}
}
