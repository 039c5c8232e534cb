package destination

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// ruleAPIRefused names rejections the API made, in the counts by reason.
const ruleAPIRefused = "api_refused"

// failure is why a command failed: the failure type, the message for the user, the internal
// detail (never personal data nor the key), and the stream it concerns (nil for the whole
// sync). A command reports it once, as its TRACE ERROR (report), and then returns a
// *ReportedError that wraps it. (check's verdict carries the same fields and may become one.)
type failure struct {
	kind     protocol.FailureType
	message  string
	internal string
	stream   *protocol.StreamDescriptor
}

func (f *failure) Error() string { return f.message }

// report writes f as the command's one TRACE ERROR and returns the error the command returns.
func (f *failure) report(out *protocol.Writer) error {
	if err := out.Error(f.kind, f.message, f.internal, f.stream); err != nil {
		return err
	}
	return &ReportedError{Err: f}
}

// reportFailure reports a failure of a command that concerns no stream.
func reportFailure(out *protocol.Writer, kind protocol.FailureType, message, internal string) error {
	return (&failure{kind: kind, message: message, internal: internal}).report(out)
}

// finish reports the outcome of a write after every sender has stopped.
func (w *syncWriter) finish(interrupted bool) error {
	f, pending := w.ledger.outcome()
	w.logSummary()
	switch {
	case f != nil:
		return f.report(w.out)
	case interrupted:
		w.logf(protocol.LevelWarn, "Stopped by a signal; %d state(s) were not echoed because their records were not all delivered. The next sync resumes from the last echoed state.", pending)
		return InterruptedError{}
	case pending > 0:
		return reportFailure(w.out, protocol.SystemError, "The connector could not confirm every record.",
			fmt.Sprintf("%d state(s) were still waiting at the end of the input.", pending))
	}
	return nil
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
	received, delivered, rejected := w.ledger.totals()
	now := w.opts.now()
	elapsed := now.Sub(w.started)
	inFlight, limit := w.lanes.inFlight()
	w.logf(protocol.LevelInfo, "Progress: %s read, %d delivered, %d rejected, %s in flight (limit %d), %.0f events/s.",
		plural(received, "record", "records"), delivered, rejected, plural(int64(inFlight), "request", "requests"),
		limit, rate(delivered, elapsed))
	w.warnWaitingStates(now)
}

// logSummary writes the final summary, one line per stream and one for the whole sync. When
// any record was rejected, the lines of the streams that rejected some and the summary are
// WARN, so that a sync that delivered little does not read as a success; each stream's line
// counts its rejections by rule, most frequent first (rules and counts only, never values).
func (w *syncWriter) logSummary() {
	elapsed := w.opts.now().Sub(w.started)
	counts := w.ledger.counts()
	for _, rt := range w.routes.byKey {
		c := counts[rt.id]
		w.logf(levelFor(c.rejected), "Stream %q (pixel %s): %d received, %d delivered, %d rejected%s.",
			rt.descriptor.String(), rt.pixel, c.received, c.delivered, c.rejected, reasons(c.byReason))
		if c.identityDropped > 0 {
			w.logf(protocol.LevelInfo, "Stream %q: %s not sent: each failed its rule (see the warnings above); the events were sent without them.",
				rt.descriptor.String(), plural(c.identityDropped, "user identity value", "user identity values"))
		}
	}
	received, delivered, rejected := w.ledger.totals()
	outcome := ""
	switch {
	case rejected > 0 && w.keeper != nil:
		outcome = " (rejected records were not sent: see each stream's counts by rule above; " + w.keeper.summary() + ")"
	case rejected > 0:
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
