// Package concurrency limits how many requests the destination keeps in
// flight to the remote API, adapting the limit to how the API responds, in
// the manner of Vector's adaptive request concurrency.
//
// # Algorithm
//
// The Limiter is a counting semaphore whose size, the limit, moves between 1
// and Options.Max by additive increase and multiplicative decrease (AIMD),
// borrowed from TCP congestion control. Every attempt holds one slot from
// Acquire to Release, and Release reports the attempt's round-trip time and
// whether the API pushed back (HTTP 429, 408, 5xx or a timeout).
//
// Observations are grouped into windows about one round trip long. Within a
// window the Limiter averages the RTTs of the attempts that did not push
// back, notes whether any attempt pushed back, and notes whether in-flight
// attempts ever reached the limit. The first RTT seeds the baseline: an
// exponentially weighted moving average (EWMA, weight 0.4) of the window
// means, with an EWMA of their variance. When a Release finds the window
// over, it decides once for the whole window:
//
//   - Decrease: if an attempt pushed back, or the window's mean RTT exceeds
//     the baseline by more than max(25% of the baseline, 2.5 standard
//     deviations), the limit is halved (never below 1).
//   - Increase: otherwise, if the limit was reached during the window and
//     the mean RTT is within 10% of the baseline, the limit grows by 1
//     (never above Max). A limit that was never used is not raised, since
//     there is no evidence the API can take more.
//   - Otherwise the limit holds: an RTT between the two thresholds is
//     neither evidence of spare capacity nor of overload.
//
// The window's mean then updates the baseline, and the next window ends one
// baseline RTT later. So the limit changes at most once per window, and a
// burst of 429s costs one halving, not a collapse to 1. Further, signals from
// attempts that started before the latest decrease (Release time minus RTT)
// are ignored: they measure the old limit, which has already been answered.
// Before a baseline exists, only push-back is acted on, at once.
//
// Lowering the limit never interrupts attempts already in flight; Acquire
// simply waits until in-flight attempts drop below the new limit. Waiters
// are served in FIFO order.
//
// The write command keeps one Limiter per pixel, each with Max set to
// max_in_flight (the number of senders, which bounds the total), so that one
// pixel's push-back lowers that pixel's limit only.
//
// Time comes from Options.Now, so the algorithm is deterministic under a
// fake clock; the Limiter starts no goroutines and keeps no timers.
package concurrency
