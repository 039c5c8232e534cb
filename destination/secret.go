package destination

import "github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"

// Secret is a string that never shows itself: it prints, logs and marshals as "[redacted]".
// It is [protocol.Secret], shared with the rejected-records store's S3 keys.
type Secret = protocol.Secret

const redacted = "[redacted]"
