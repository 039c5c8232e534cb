package destination

import "github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/redact"

// Secret is a string that never shows itself (see [redact.Secret]): the type of the API key
// in Config, and of any other secret the config holds.
type Secret = redact.Secret
