package protocol

import "log/slog"

// Secret is a string that never shows itself: it prints, logs and marshals as "[redacted]".
// Call Reveal where the real value is needed (a request's credentials, and nowhere else).
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]".
func (s Secret) String() string { return redactedText }

// GoString returns "[redacted]", so %#v does not print the value either.
func (s Secret) GoString() string { return redactedText }

// LogValue returns "[redacted]" for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redactedText) }

// MarshalJSON writes "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redactedText + `"`), nil }
