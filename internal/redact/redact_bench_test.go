package redact

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// benchKey is as long as a real OpenAI key.
var benchKey = "sk-svcacct-" + strings.Repeat("q7Xv3Lm9Tp2Wd8Rk4Hs6Nf1Bc5Yg0JuZa", 5)

const benchLine = `Rejected stream "public.orders" record 12: data.amount: amount_integer: must be an integer in minor units (hint: amounts are integers in minor units; USD has 2 decimals, so multiply by 100).`

// BenchmarkTextLogLine is the one-shot redaction of a server's text.
func BenchmarkTextLogLine(b *testing.B) {
	b.SetBytes(int64(len(benchLine)))
	for b.Loop() {
		_ = Text(benchLine, benchKey)
	}
}

// BenchmarkWriterRedactionLogLine is the Writer's redaction of one LOG line, with its filter.
func BenchmarkWriterRedactionLogLine(b *testing.B) {
	r := NewRuns(benchKey)
	b.SetBytes(int64(len(benchLine)))
	for b.Loop() {
		_ = r.Redact(benchLine)
	}
}

// TestRunsFilterChangesNothing checks that the Writer's filtered search finds exactly
// what the plain search does, on texts made of pieces of the key and of other text.
func TestRunsFilterChangesNothing(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	filtered := NewRuns(benchKey)
	noise := "abcXYZ0123-_ <>\"é"
	for range 2000 {
		var b strings.Builder
		for range rnd.IntN(6) {
			if rnd.IntN(2) == 0 {
				i := rnd.IntN(len(benchKey))
				b.WriteString(benchKey[i : i+rnd.IntN(len(benchKey)-i+1)])
			} else {
				for range rnd.IntN(20) {
					b.WriteByte(noise[rnd.IntN(len(noise))])
				}
			}
		}
		text := b.String()
		assert.Equal(t, Text(text, benchKey), filtered.Redact(text), "text %q", text)
	}
}
