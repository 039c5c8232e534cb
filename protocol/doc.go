// Package protocol speaks the Airbyte protocol as a destination must: the message types a
// destination reads and writes, a line reader for stdin and a line writer for stdout.
//
// Key spellings follow the protocol exactly, including its mixed casing
// (connectionStatus, destination_catalog, destinationStats). The package depends on the
// standard library only and knows nothing of HTTP or of any remote API.
//
// STATE messages are kept as the raw JSON they arrived as, because the platform adds fields
// (such as its integer id) that must be echoed untouched; see [State] and [Stats].
package protocol
