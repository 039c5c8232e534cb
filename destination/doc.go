// Package destination is the OpenAI Ads Conversions destination: its configuration and spec,
// and the spec, check, discover and write commands. It turns Airbyte RECORD messages into
// conversion events, delivers them to the Conversions API in concurrent batches, and echoes
// each STATE message once every record before it has reached a final outcome.
//
// The per-record preparation lives in the event sub-package, the STATE bookkeeping in
// checkpoint, the adaptive request concurrency in concurrency and the OpenAI client (one
// attempt per call, the table of answers, backoff) in openai; this package wires them to the
// protocol, and owns the retry loop of sending. Batches wait on one lane per pixel (lanes.go), each with its own
// limiter, pause and retry budget, so that a pixel that is throttled or failing slows down its
// own streams only; such a pixel's batches past its share of the memory for waiting bodies wait
// in a temporary file (spill.go) rather than stop reading.
package destination
