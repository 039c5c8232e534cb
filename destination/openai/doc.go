// Package openai is the client of the two OpenAI hosts the connector calls: the Conversions
// API (POST /v1/events) and the Ads API (the ad account and its pixels).
//
// A [Client] is built from a key, the two base URLs, one *http.Client, a version for the
// User-Agent and a clock; each of its methods makes exactly one attempt. A failed attempt is a
// typed error: an [*APIError] for an answer that is not 2xx, a [*NetworkError] for no answer,
// an [*UnexpectedBodyError] for a 2xx body that is not the API's JSON. The text a server sends
// back is scrubbed of the key before any error keeps it.
//
// What an error answer means is decided in one place, the table of real answers in
// answers.go ([APIError.Class]); nothing else reads a server's words. [Retryable], [Backoff]
// (with the server's Retry-After) and [RetryShort] are the pieces a caller's retry loop is
// made of; the long retry of the write pipeline stays with the pipeline.
//
// The package knows nothing of the Airbyte protocol or of the connector's configuration.
package openai
