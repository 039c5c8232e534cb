package destination

import (
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
)

// windowProblem says why an event of time ts (Unix ms) is outside the API's window
// (event.MaxAge, event.MaxSkew) at nowMS, or returns "" when it is inside: "it must be checked
// immediately before transmission" (reference §0.2).
func windowProblem(ts, nowMS int64) string {
	switch {
	case ts < nowMS-event.MaxAge.Milliseconds():
		return "was more than 7 days in the past by the time it could be sent"
	case ts > nowMS+event.MaxSkew.Milliseconds():
		return "is more than 10 minutes in the future by the clock at send time"
	}
	return ""
}

// dropAged rejects, with the timestamp_window rule, the events of b that are outside the
// API's window at now, and returns the batch to send: b itself when every event is inside,
// b rebuilt without the others, or nil when none is left. It runs before every attempt, so
// that an event that ages out while it waits or is retried is never sent.
func (w *syncWriter) dropAged(b *batch, now time.Time) *batch {
	nowMS := now.UnixMilli()
	var drop []bool
	for i, it := range b.items {
		msg := windowProblem(it.ts, nowMS)
		if msg == "" {
			continue
		}
		if drop == nil {
			drop = make([]bool, len(b.items))
		}
		drop[i] = true
		rt := &w.routes.byKey[it.stream]
		rej := &event.Rejection{Stream: rt.name, Record: it.record, Path: "timestamp_ms", Rule: event.RuleTimestampWindow, Message: msg,
			Hint: "it waited or was retried past the API's limit; sync more often, or filter the source to the last 7 days"}
		w.ledger.reject(keptData(ruleRejection(rt, it.seq, rej), it))
	}
	if drop == nil {
		return b
	}
	return b.without(drop, w.cfg.ValidateOnly)
}
