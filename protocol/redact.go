package protocol

import "github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/redact"

// MinSecretRun is the shortest run of a secret's characters that [RedactSecret] removes; see
// [redact.MinRun].
const MinSecretRun = redact.MinRun

// RedactSecret returns text with every run of at least [MinSecretRun] consecutive characters
// of secret (the whole secret, when it is shorter) replaced by "[redacted]"; see [redact.Text].
func RedactSecret(text, secret string) string { return redact.Text(text, secret) }
