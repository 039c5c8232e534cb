// Package redact removes secrets from text: every run of MinRun or more consecutive
// characters of a secret, so that a piece of a key cut out of a server's words is removed as
// surely as the whole key. It also has [Secret], a string that never shows itself. It
// depends on the standard library only.
package redact

import "strings"

// Placeholder is what replaces a secret, or a run of it, in text.
const Placeholder = "[redacted]"

// MinRun is the shortest run of a secret's characters that [Text] removes: any
// 8 or more consecutive characters of a secret are taken for a piece of it. Eight characters
// of a random key are enough to matter (they narrow a search for the rest), and a run that
// long is not found in ordinary text by chance. A secret shorter than MinRun is removed
// only whole.
const MinRun = 8

// Text returns text with every run of at least [MinRun] consecutive characters
// of secret (the whole secret, when it is shorter) replaced by "[redacted]". Each run is
// taken as long as it goes, so a whole secret becomes one "[redacted]". An empty secret
// leaves text as it is.
func Text(text, secret string) string {
	r := Runs{secret: secret} // no filter: building one costs more than one text
	return r.Redact(text)
}

// Runs finds the runs of one secret in texts; it is safe for concurrent use. A filter of the
// secret's 8-byte windows (one bit per hash) lets most positions of a text be passed over
// with a multiplication and a bit test; a position whose bit is set is checked against the
// secret itself.
type Runs struct {
	secret string
	filter []uint64 // 1<<filterBits bits; nil to check every position against the secret
}

const filterBits = 16

// NewRuns returns the finder of secret's runs, with its filter built once for many texts.
func NewRuns(secret string) *Runs {
	r := &Runs{secret: secret}
	if len(secret) < MinRun {
		return r
	}
	r.filter = make([]uint64, 1<<filterBits/64)
	for i := 0; i+MinRun <= len(secret); i++ {
		h := windowHash(window(secret, i))
		r.filter[h/64] |= 1 << (h % 64)
	}
	return r
}

// window reads the 8 bytes of s at i as a number.
func window(s string, i int) uint64 {
	var w uint64
	for j := MinRun - 1; j >= 0; j-- {
		w = w<<8 | uint64(s[i+j])
	}
	return w
}

func windowHash(w uint64) uint64 { return (w * 0x9E3779B97F4A7C15) >> (64 - filterBits) }

// Redact returns text with the secret's runs replaced, as [Text] does.
func (r *Runs) Redact(text string) string {
	switch {
	case r.secret == "":
		return text
	case len(r.secret) < MinRun:
		return strings.ReplaceAll(text, r.secret, Placeholder)
	case len(text) < MinRun:
		return text
	}
	var b strings.Builder
	last := 0
	for i := 0; i+MinRun <= len(text); {
		if !r.mayStartRun(text, i) || !strings.Contains(r.secret, text[i:i+MinRun]) {
			i++
			continue
		}
		j := i + MinRun
		for j < len(text) && strings.Contains(r.secret, text[i:j+1]) {
			j++
		}
		if last == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last:i])
		b.WriteString(Placeholder)
		last, i = j, j
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// mayStartRun tells whether the 8 bytes of text at i may be a window of the secret: false
// only when the filter rules it out.
func (r *Runs) mayStartRun(text string, i int) bool {
	if r.filter == nil {
		return true
	}
	h := windowHash(window(text, i))
	return r.filter[h/64]&(1<<(h%64)) != 0
}
