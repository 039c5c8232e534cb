package destination

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// sendLoop is one sender: it delivers the batches the lanes give it until they are closed and
// empty, or the sync halts.
func (w *syncWriter) sendLoop(sc sendContexts) {
	for {
		b, ln, ok := w.lanes.take(sc.wait)
		if !ok {
			return
		}
		w.sendOne(sc, ln, b)
		w.lanes.done(ln)
	}
}

// sendOne delivers one batch and gives its bytes back to the budget, or its place back to the
// spill. A panic (our bug) fails the sync instead of killing the process without a trace.
func (w *syncWriter) sendOne(sc sendContexts, ln *lane, b *batch) {
	if ref := b.spilled; ref != nil {
		defer w.spill.release(*ref)
	} else {
		defer w.budget.release(b.pixel, b.size())
	}
	defer w.recoverPanic()
	if b.spilled != nil && !w.unspill(b) {
		return
	}
	w.deliverBatch(sc, ln, b)
	b.body = nil
}

// unspill reads a spilled batch's body back. A read that fails fails the sync: the batch's
// records stay unsettled, so no state covering them is echoed.
func (w *syncWriter) unspill(b *batch) bool {
	body, raw, err := w.spill.read(*b.spilled)
	if err != nil {
		w.ledger.fail(&failure{kind: protocol.SystemError, message: "A batch kept in a temporary file could not be read back.", internal: err.Error()}, true)
		return false
	}
	b.body = body
	b.giveRaw(raw)
	return true
}

// recoverPanic turns a panic of the calling goroutine into the sync's system_error. It must
// be deferred directly.
func (w *syncWriter) recoverPanic() {
	if r := recover(); r != nil {
		w.ledger.failBug(&failure{kind: protocol.SystemError, message: "The connector hit a bug and stopped.",
			internal: fmt.Sprintf("panic: %v\n%s", r, debug.Stack())})
	}
}

// deliverBatch sends one batch and settles its records. Before each attempt, events that have
// left the API's time window are rejected and not sent (dropAged). When the API refuses events
// it names (events[i]...), exactly those are rejected and the rest is sent again; when it
// refuses the batch without naming an event that is in it, the batch is halved until the
// refused events are isolated, unless both halves get the same answer (see halve). When the
// pixel's retry budget runs out, its records are rejected (continue_on_errors) or the sync
// fails. Any other refusal is the sync's failure. Every record is settled once: delivered,
// rejected, or left unsettled by a failure.
func (w *syncWriter) deliverBatch(sc sendContexts, ln *lane, b *batch) {
	sent, err := w.deliver.send(sc, ln, b, w.dropAged)
	w.finishBatch(sc, ln, sent, err)
}

// finishBatch settles batch b after the send that returned err, sending again what remains
// to send after a refusal.
func (w *syncWriter) finishBatch(sc sendContexts, ln *lane, b *batch, err error) {
	for {
		switch {
		case err == nil:
			if b != nil {
				w.ledger.settle(b.items)
			}
			return
		case sc.wait.Err() != nil:
			return // halted or shutting down: the records stay unsettled, so no state covering them is echoed
		}
		if b = w.afterRefusal(sc, ln, b, err); b == nil {
			return
		}
		b, err = w.deliver.send(sc, ln, b, w.dropAged)
	}
}

// afterRefusal handles the failure of batch b and returns what remains to send: b without the
// events the API named, or nil (halve sends the halves itself).
func (w *syncWriter) afterRefusal(sc sendContexts, ln *lane, b *batch, err error) *batch {
	var apiErr *openai.APIError
	var exhausted *RetryExhaustedError
	class := openai.ClassUnexpected
	if errors.As(err, &apiErr) {
		class = apiErr.Class()
	}
	switch {
	case class == openai.ClassEventsRefused:
		if rest, ok := w.rejectNamed(b, apiErr); ok {
			return rest
		}
		w.halve(sc, ln, b, apiErr) // it names an event the batch does not have
	case class == openai.ClassBatchRefused:
		w.halve(sc, ln, b, apiErr)
	case class == openai.ClassUnknownPixel:
		w.ledger.fail(&failure{kind: protocol.ConfigError, internal: err.Error(),
			message: fmt.Sprintf("Pixel ID %q is unknown to OpenAI (HTTP %d: %s). Streams routed to it: %s. %s",
				b.pixel, apiErr.Status, apiErr.Message, w.streamsOf(b.pixel), advicePixel)}, true)
	case class == openai.ClassKeyRefused || class == openai.ClassMissingScopes:
		w.ledger.fail(&failure{kind: protocol.ConfigError, internal: err.Error(),
			message: fmt.Sprintf("OpenAI refused the API key while sending events (HTTP %d). %s", apiErr.Status, keyAdvice(apiErr))}, true)
	case class == openai.ClassRequestRefused:
		w.ledger.fail(&failure{kind: protocol.SystemError, internal: err.Error(),
			message: fmt.Sprintf("OpenAI refused the request itself, not an event (HTTP %d at %s: %s). Every batch would get the same answer: this is a defect of the connector.", apiErr.Status, apiErr.Param, apiErr.Message)}, true)
	case errors.As(err, &exhausted):
		w.retryBudgetSpent(b, exhausted)
	case openai.Unreachable(err):
		w.ledger.fail(&failure{kind: protocol.ConfigError, internal: err.Error(),
			message: fmt.Sprintf("The Conversions API at %s cannot be reached: %v. Check conversions_api_base_url and the network (a proxy or a TLS-inspecting firewall).", w.cfg.ConversionsAPIBaseURL, err)}, true)
	default:
		w.ledger.fail(&failure{kind: protocol.SystemError, message: "Sending events got an answer the connector did not expect.", internal: err.Error()}, true)
	}
	return nil
}

// ruleRetryBudget names the rejections of records whose pixel kept failing past its retry
// budget.
const ruleRetryBudget = "retry_budget"

// retryBudgetSpent settles a batch whose pixel kept failing until its retry budget ran out:
// with continue_on_errors its records are rejected (rule retry_budget) and the sync goes on,
// otherwise the sync fails with a transient error.
func (w *syncWriter) retryBudgetSpent(b *batch, exhausted *RetryExhaustedError) {
	what := fmt.Sprintf("OpenAI kept failing or rate limiting requests for pixel %q; its retry budget of %s ran out (%v)", b.pixel, w.deliver.budget, exhausted)
	if !w.cfg.ContinueOnErrors {
		w.ledger.fail(&failure{kind: protocol.TransientError, internal: exhausted.Error(),
			message: what + ". The sync will be retried. Turn on Continue on errors to skip such records and checkpoint the other pixels' streams."}, true)
		return
	}
	for _, it := range b.items {
		rt := &w.routes.byKey[it.stream]
		reason := fmt.Sprintf("stream %q record %d: %s: not delivered: %s", rt.name, it.record, ruleRetryBudget, what)
		w.ledger.reject(keptData(rejection{route: rt, seq: it.seq, record: it.record, rule: ruleRetryBudget,
			message: "not delivered: " + what, reason: reason}, it))
	}
}

// rejectNamed rejects the events of b that apiErr names and returns b without them (nil when
// none is left). It reports false, rejecting nothing, when an index named is not in b.
func (w *syncWriter) rejectNamed(b *batch, apiErr *openai.APIError) (*batch, bool) {
	named := apiErr.NamedEvents()
	for _, p := range named {
		if p.Index >= len(b.items) {
			return nil, false
		}
	}
	drop := make([]bool, len(b.items))
	for _, p := range named {
		drop[p.Index] = true
		w.rejectByAPI(b, b.items[p.Index], p, apiErr)
	}
	return b.without(drop, w.cfg.ValidateOnly), true
}

// halve isolates the events the API refused without naming them: it sends both halves of b,
// then settles each by its own answer (a half refused again is halved in turn). An event
// alone is rejected. When both halves get the same answer that names no event, it is not an
// event's fault but the request's: halving further would only multiply requests (5,997 to
// reject 3,000 records), so the sync fails with the API's message.
func (w *syncWriter) halve(sc sendContexts, ln *lane, b *batch, apiErr *openai.APIError) {
	if len(b.items) == 1 {
		p := openai.EventProblem{Param: apiErr.Param, Code: apiErr.Code, Message: apiErr.Message}
		if named := apiErr.NamedEvents(); len(named) > 0 {
			p = named[0]
		}
		w.rejectByAPI(b, b.items[0], p, apiErr)
		return
	}
	w.deliver.count.splits.Add(1)
	first, second := b.split(w.cfg.ValidateOnly)
	sent1, err1 := w.deliver.send(sc, ln, first, w.dropAged)
	if err1 != nil && sc.wait.Err() != nil {
		return
	}
	sent2, err2 := w.deliver.send(sc, ln, second, w.dropAged)
	if same := sameRequestAnswer(err1, err2); same != nil {
		w.ledger.fail(requestAnswerFailure(same, len(b.items)), true)
		return
	}
	w.finishBatch(sc, ln, sent1, err1)
	w.finishBatch(sc, ln, sent2, err2)
}

// sameRequestAnswer returns the answer both halves of a split got when it is the same refusal
// naming no event, else nil.
func sameRequestAnswer(a, b error) *openai.APIError {
	var ea, eb *openai.APIError
	if !errors.As(a, &ea) || !errors.As(b, &eb) || ea.Class() != openai.ClassBatchRefused || eb.Class() != openai.ClassBatchRefused {
		return nil
	}
	if ea.Status != eb.Status || ea.Code != eb.Code || ea.Param != eb.Param || ea.Message != eb.Message {
		return nil
	}
	return ea
}

// requestAnswerFailure words the failure of a split whose halves got the same answer: a
// config_error when the answer says what to change (a body too large: a smaller batch size),
// else a system_error with the API's message.
func requestAnswerFailure(e *openai.APIError, events int) *failure {
	if e.Status == http.StatusRequestEntityTooLarge {
		return &failure{kind: protocol.ConfigError, internal: e.Error(),
			message: fmt.Sprintf("OpenAI refused requests as too large (HTTP 413: %s), also both halves of a batch of %d events. Lower Batch size.", e.Message, events)}
	}
	return &failure{kind: protocol.SystemError, internal: e.Error(),
		message: fmt.Sprintf("OpenAI refused both halves of a batch of %d events with the same answer, which names no event (HTTP %d: %s): the request, not an event, is refused, so splitting further would not help.", events, e.Status, e.Message)}
}

// streamsOf lists the streams routed to a pixel, quoted, for a message.
func (w *syncWriter) streamsOf(pixel string) string {
	var names []string
	for _, rt := range w.routes.byKey {
		if rt.pixel == pixel {
			names = append(names, strconv.Quote(rt.descriptor.String()))
		}
	}
	return strings.Join(names, ", ")
}

// keyAdvice words a key refusal as check does.
func keyAdvice(e *openai.APIError) string {
	if e.Class() == openai.ClassMissingScopes {
		return "The key lacks the scope ads.third_party_events.write, so it is most likely an Advertiser API key. " + adviceConversionsKey
	}
	return "The key is invalid or was revoked. " + adviceConversionsKey
}
