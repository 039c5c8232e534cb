package destination

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// ruleAPIRefused names rejections the API made, in the counts by reason.
const ruleAPIRefused = "api_refused"

// streamCounts are one stream's counts for logs. Guarded by syncWriter.mu.
type streamCounts struct {
	received, delivered, rejected int64
	byReason                      map[string]int64
	logged                        int
	identityDropped               int64 // user values not sent because they failed their rule
}

// rejectRecord handles a record that validation refused.
func (w *syncWriter) rejectRecord(rt *route, seq checkpoint.Seq, number int64, err error) {
	var rej *event.Rejection
	if !errors.As(err, &rej) {
		w.fail(&failure{kind: protocol.SystemError, message: "Preparing a record failed unexpectedly.", internal: err.Error(), stream: &rt.descriptor}, true)
		return
	}
	w.reject(rt, seq, rej.Rule, rej.Error(), remedy(rej.Rule == event.RuleTimestampWindow))
}

// remedy says how to get past a refused record when Continue on errors is off. An event outside
// the API's time window cannot be fixed record by record: the source has to send recent events.
func remedy(outsideWindow bool) string {
	if outsideWindow {
		return "The API accepts only events from the last 7 days (and at most 10 minutes ahead): " +
			"turn on Continue on errors to skip the others, or filter the source to the last 7 days " +
			"(for example with an incremental sync on the event time)."
	}
	return "Fix the record in the source, or turn on Continue on errors to skip such records."
}

// rejectByAPI handles an event the API refused. Its rule is the API's code for it (see
// ruleFromCode) and its reason the API's message, with the field the API named.
func (w *syncWriter) rejectByAPI(it item, p openai.EventProblem, apiErr *openai.APIError) {
	rt := &w.routes.byKey[it.stream]
	rule := ruleFromCode(p.Code)
	where := ""
	if field := p.Field(); field != "" {
		where = ", at " + field
	}
	reason := fmt.Sprintf("stream %q record %d: %s: refused by the OpenAI API (HTTP %d%s): %s",
		rt.descriptor.String(), it.record, rule, apiErr.Status, where, p.Message)
	if apiErr.RequestID != "" {
		reason += " (x-request-id " + apiErr.RequestID + ")"
	}
	w.reject(rt, it.seq, rule, reason, remedy(p.Code == apiCodeTooOld))
}

// apiCodeTooOld is the error code of the API's refusal of an event older than 7 days.
const apiCodeTooOld = "event_timestamp_too_old"

// reject settles a refused record: counted and logged when continue_on_errors is on, the
// sync's failure, with fix as its advice, otherwise (the record then stays unsettled, so no
// later state is echoed).
func (w *syncWriter) reject(rt *route, seq checkpoint.Seq, rule, reason, fix string) {
	if !w.cfg.ContinueOnErrors {
		w.fail(&failure{kind: protocol.ConfigError, stream: &rt.descriptor,
			message: "A record was refused, and Continue on errors is off: " + reason + ". " + fix}, false)
		return
	}
	w.mu.Lock()
	if err := w.tracker.Done(seq, checkpoint.Rejected); err != nil {
		w.failBugLocked(&failure{kind: protocol.SystemError, message: "The connector lost track of a record.", internal: err.Error()})
		w.mu.Unlock()
		return
	}
	c := &w.streams[rt.id]
	c.rejected++
	if c.byReason == nil {
		c.byReason = map[string]int64{}
	}
	c.byReason[rule]++
	c.logged++
	logIt, last := c.logged <= maxRejectionLogs, c.logged == maxRejectionLogs
	w.releaseStates()
	w.mu.Unlock()
	if logIt {
		w.logf(protocol.LevelWarn, "Rejected %s.", reason)
	}
	if last {
		w.logf(protocol.LevelWarn, "Stream %q: further rejections are counted in the summary, not logged one by one.", rt.descriptor.String())
	}
}

// countIdentityDropped adds a record's user values that failed their rule to its stream's
// count, for the summary.
func (w *syncWriter) countIdentityDropped(rt *route, n int) {
	if n == 0 {
		return
	}
	w.mu.Lock()
	w.streams[rt.id].identityDropped += int64(n)
	w.mu.Unlock()
}

// warnUnknownStream warns once per stream that the catalog does not configure.
func (w *syncWriter) warnUnknownStream(rec *protocol.Record) {
	d := protocol.StreamDescriptor{Name: rec.Stream, Namespace: rec.Namespace}
	if w.unknownStreams[d] {
		return
	}
	w.unknownStreams[d] = true
	w.logf(protocol.LevelWarn, "Records of stream %q are ignored: the configured catalog does not include it.", d.String())
}

// warnDropped warns once per stream, field and reason about fields that are not sent (a
// user field may be reported for a malformed value and, separately, for a digest given as
// plaintext; reasons are fixed texts, so the set stays small).
func (w *syncWriter) warnDropped(rt *route, dropped []event.Dropped) {
	if len(dropped) == 0 {
		return
	}
	seen := w.dropWarned[rt.id]
	if seen == nil {
		seen = map[string]bool{}
		w.dropWarned[rt.id] = seen
	}
	for _, d := range dropped {
		key := d.Path + "\x00" + d.Reason
		if seen[key] {
			continue
		}
		seen[key] = true
		w.logf(protocol.LevelWarn, "Stream %q: %s: %s. (Said once per stream and field.)", rt.descriptor.String(), d.Path, d.Reason)
	}
}

// logf writes a LOG message; a failure to write stdout surfaces at the next state or trace.
func (w *syncWriter) logf(level protocol.Level, format string, args ...any) {
	_ = w.out.Logf(level, format, args...)
}

// logStart says where each stream goes.
func (w *syncWriter) logStart() {
	var parts []string
	for _, rt := range w.routes.byKey {
		parts = append(parts, fmt.Sprintf("%q → pixel %s", rt.descriptor.String(), rt.pixel))
	}
	mode := ""
	if w.cfg.ValidateOnly {
		mode = " Validate only is on: OpenAI checks the events but stores none, so no state is echoed and the next sync starts from the same point."
	}
	w.logf(protocol.LevelInfo, "Writing %s, in batches of up to %s, at most %s in flight.%s",
		strings.Join(parts, ", "), plural(int64(w.cfg.BatchSize), "event", "events"), plural(int64(w.cfg.MaxInFlight), "request", "requests"), mode)
}

// totals sums the counts of every stream. Called with mu held.
func (w *syncWriter) totals() (received, delivered, rejected int64) {
	for _, c := range w.streams {
		received, delivered, rejected = received+c.received, delivered+c.delivered, rejected+c.rejected
	}
	return
}

// startProgress writes a progress line every progressInterval, on a goroutine of its own so
// that it goes on while the input waits or the last batches drain. Call the returned
// function to stop it; it returns once the goroutine has.
func (w *syncWriter) startProgress() (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				w.logProgress()
			case <-done:
				return
			}
		}
	}()
	return sync.OnceFunc(func() { close(done); <-stopped })
}

// logProgress writes the periodic progress line.
func (w *syncWriter) logProgress() {
	w.mu.Lock()
	received, delivered, rejected := w.totals()
	w.mu.Unlock()
	elapsed := time.Since(w.started)
	inFlight, limit := w.lanes.inFlight()
	w.logf(protocol.LevelInfo, "Progress: %s read, %d delivered, %d rejected, %s in flight (limit %d), %.0f events/s.",
		plural(received, "record", "records"), delivered, rejected, plural(int64(inFlight), "request", "requests"),
		limit, rate(delivered, elapsed))
	w.warnWaitingStates(time.Now())
}

// logSummary writes the final summary, one line per stream and one for the whole sync. When
// any record was rejected, the lines of the streams that rejected some and the summary are
// WARN, so that a sync that delivered little does not read as a success; each stream's line
// counts its rejections by rule, most frequent first (rules and counts only, never values).
func (w *syncWriter) logSummary() {
	elapsed := time.Since(w.started)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, rt := range w.routes.byKey {
		c := w.streams[rt.id]
		w.logf(levelFor(c.rejected), "Stream %q (pixel %s): %d received, %d delivered, %d rejected%s.",
			rt.descriptor.String(), rt.pixel, c.received, c.delivered, c.rejected, reasons(c.byReason))
		if c.identityDropped > 0 {
			w.logf(protocol.LevelInfo, "Stream %q: %s not sent: each failed its rule (see the warnings above); the events were sent without them.",
				rt.descriptor.String(), plural(c.identityDropped, "user identity value", "user identity values"))
		}
	}
	received, delivered, rejected := w.totals()
	outcome := ""
	if rejected > 0 {
		outcome = " (rejected records were not sent: see each stream's counts by rule above)"
	}
	n := w.deliver.count
	level := levelFor(rejected)
	if w.deliver.answers.count() > 0 {
		level = protocol.LevelWarn
	}
	w.logf(level, "Summary: %s received, %d delivered, %d rejected%s; %s, %s, %d rate-limited (429), %s%s; %s, %.0f events/s.",
		plural(received, "record", "records"), delivered, rejected, outcome,
		plural(n.requests.Load(), "request", "requests"), plural(n.retries.Load(), "retry", "retries"), n.rateLimited.Load(),
		plural(n.splits.Load(), "batch split", "batch splits"), w.deliver.answers.summary(), elapsed.Round(time.Millisecond), rate(delivered, elapsed))
}

// levelFor is the level of a summary line: WARN when it counts rejected records.
func levelFor(rejected int64) protocol.Level {
	if rejected > 0 {
		return protocol.LevelWarn
	}
	return protocol.LevelInfo
}

// maxSummaryRules bounds the rules a stream's summary line names one by one.
const maxSummaryRules = 5

// reasons words rejection counts by rule, most frequent first: the first maxSummaryRules
// by name, the others as one sum.
func reasons(byReason map[string]int64) string {
	if len(byReason) == 0 {
		return ""
	}
	rules := make([]string, 0, len(byReason))
	for r := range byReason {
		rules = append(rules, r)
	}
	sort.Slice(rules, func(i, j int) bool {
		if byReason[rules[i]] != byReason[rules[j]] {
			return byReason[rules[i]] > byReason[rules[j]]
		}
		return rules[i] < rules[j]
	})
	var parts []string
	var otherRecords int64
	for i, r := range rules {
		if i < maxSummaryRules {
			parts = append(parts, fmt.Sprintf("%s: %d", r, byReason[r]))
			continue
		}
		otherRecords += byReason[r]
	}
	if others := len(rules) - maxSummaryRules; others > 0 {
		noun := "rules"
		if others == 1 {
			noun = "rule"
		}
		parts = append(parts, fmt.Sprintf("%d more %s: %s", others, noun, plural(otherRecords, "record", "records")))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// sentence makes a message that may start in lower case (an error's text) a sentence: an
// upper-case first letter and a final period.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	if c := msg[0]; c >= 'a' && c <= 'z' {
		msg = string(c-'a'+'A') + msg[1:]
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// plural words a count with its noun in the singular or the plural: "1 request", "2 requests".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
