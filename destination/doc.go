// Package destination is the OpenAI Ads Conversions destination: its configuration and spec,
// and the spec, check, discover and write commands. It turns Airbyte RECORD messages into
// conversion events, delivers them to the Conversions API in concurrent batches, and echoes
// each STATE message once every record before it has reached a final outcome.
//
// The per-record preparation lives in the event sub-package, the STATE bookkeeping in
// checkpoint, the adaptive request concurrency in concurrency and the OpenAI client (one
// attempt per call, the table of answers, backoff) in openai; this package wires them to the
// protocol and owns the retry loop of sending.
//
// write is a pipeline; its files are named after the stages a record walks through:
//
//   - input.go: a reader splits stdin into chunks, routes and numbers the records; one preparer
//     per CPU turns them into events (or rejections).
//   - dispatch.go: the input loop, one goroutine, enters records and states in the ledger,
//     batches events per pixel (batch.go) and queues batches on their pixel's lane (lanes.go),
//     waiting for room in the byte budget (budget.go) or spilling a stuck pixel's batches to a
//     temporary file (spill.go).
//   - send.go and deliver.go: the senders post batches under each pixel's limiter, retry within
//     its budget, and settle what the answers say; reject.go words rejections.
//   - ledger.go: the only owner of the pipeline's lock. It settles each record as delivered or
//     rejected, keeps the first failure, and echoes each state once its records are settled.
//   - keep.go: with a bucket configured, each rejection goes to the store of rejected records
//     (the rejected sub-package) and is settled only once the object holding it is uploaded.
//   - report.go and statewait.go: progress, long-waiting states, the summary, the failure.
//
// write.go wires the stages and stops them (run draws the goroutines). Each pixel has its own
// lane, with its own limiter, pause and retry budget, so that a pixel that is throttled or
// failing slows down its own streams only.
package destination
