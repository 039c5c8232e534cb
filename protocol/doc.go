// Package protocol speaks the Airbyte protocol as a destination must: the message types a
// destination reads and writes, a line reader for stdin and a line writer for stdout.
//
// Key spellings follow the protocol exactly, including its mixed casing
// (connectionStatus, destination_catalog, destinationStats). The package depends on the
// standard library and the module's leaf package internal/redact only, and knows nothing of
// HTTP or of any remote API.
//
// STATE messages are kept as the raw JSON they arrived as, because the platform adds fields
// (such as its integer id) that must be echoed untouched; see [State] and [Stats].
//
// The [Writer] redacts secrets it is told about from free text only (log, trace and
// connection status messages), never from states, enums or names; see [RedactSecret] for
// what counts as a piece of a secret.
//
// The [Reader] reads a RECORD nested deeper than encoding/json's 10,000 levels (its
// destination rejects it) and never fails on a record's emitted_at, which destinations do
// not use.
package protocol
