package protocol

import "strings"

// MinSecretRun is the shortest run of a secret's characters that [RedactSecret] removes: any
// 8 or more consecutive characters of a secret are taken for a piece of it. Eight characters
// of a random key are enough to matter (they narrow a search for the rest), and a run that
// long is not found in ordinary text by chance. A secret shorter than MinSecretRun is removed
// only whole.
const MinSecretRun = 8

// RedactSecret returns text with every run of at least [MinSecretRun] consecutive characters
// of secret (the whole secret, when it is shorter) replaced by "[redacted]". Each run is
// taken as long as it goes, so a whole secret becomes one "[redacted]". An empty secret
// leaves text as it is.
func RedactSecret(text, secret string) string {
	n := min(MinSecretRun, len(secret))
	if n == 0 || len(text) < n {
		return text
	}
	var b strings.Builder
	last := 0
	for i := 0; i+n <= len(text); {
		if !strings.Contains(secret, text[i:i+n]) {
			i++
			continue
		}
		j := i + n
		for j < len(text) && strings.Contains(secret, text[i:j+1]) {
			j++
		}
		if last == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last:i])
		b.WriteString(redactedText)
		last, i = j, j
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}
