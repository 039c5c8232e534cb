package destination

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// deliverBatch sends one batch and settles its records. Before each attempt, events that have
// left the API's time window are rejected and not sent (dropAged). When the API refuses events
// it names (events[i]...), exactly those are rejected and the rest is sent again; when it
// refuses the batch without naming an event that is in it, the batch is halved until the
// refused events are isolated. Any other refusal is the sync's failure. Every record is
// settled once: delivered, rejected, or left unsettled by a failure.
func (w *syncWriter) deliverBatch(ctx context.Context, b *batch) {
	for b != nil {
		sent, err := w.deliver.send(ctx, b, w.dropAged)
		switch {
		case err == nil:
			if sent != nil {
				w.settle(sent.items, checkpoint.Delivered)
			}
			return
		case ctx.Err() != nil:
			return // shutting down: the records stay unsettled, so no state covering them is echoed
		}
		b = w.afterRefusal(ctx, sent, err)
	}
}

// afterRefusal handles the failure of batch b and returns what remains to send: b without the
// events the API named, or the second half of b (the first is delivered first), or nil.
func (w *syncWriter) afterRefusal(ctx context.Context, b *batch, err error) *batch {
	var apiErr *APIError
	var exhausted *RetryExhaustedError
	class := ClassUnexpected
	if errors.As(err, &apiErr) {
		class = apiErr.Class()
	}
	switch {
	case class == ClassEventsRefused:
		if rest, ok := w.rejectNamed(b, apiErr); ok {
			return rest
		}
		return w.halve(ctx, b, apiErr) // it names an event the batch does not have
	case class == ClassBatchRefused:
		return w.halve(ctx, b, apiErr)
	case class == ClassUnknownPixel:
		w.fail(&failure{kind: protocol.ConfigError, internal: err.Error(),
			message: fmt.Sprintf("Pixel ID %q is unknown to OpenAI (HTTP %d: %s). Streams routed to it: %s. %s",
				b.pixel, apiErr.Status, apiErr.Message, w.streamsOf(b.pixel), advicePixel)}, true)
	case class == ClassKeyRefused || class == ClassMissingScopes:
		w.fail(&failure{kind: protocol.ConfigError, internal: err.Error(),
			message: fmt.Sprintf("OpenAI refused the API key while sending events (HTTP %d). %s", apiErr.Status, keyAdvice(apiErr))}, true)
	case class == ClassRequestRefused:
		w.fail(&failure{kind: protocol.SystemError, internal: err.Error(),
			message: fmt.Sprintf("OpenAI refused the request itself, not an event (HTTP %d at %s: %s). Every batch would get the same answer: this is a defect of the connector.", apiErr.Status, apiErr.Param, apiErr.Message)}, true)
	case errors.As(err, &exhausted):
		w.fail(&failure{kind: protocol.TransientError, internal: err.Error(),
			message: fmt.Sprintf("OpenAI kept failing or rate limiting requests for pixel %q; the retry budget of %s ran out (%v). The sync will be retried.", b.pixel, w.deliver.budget, exhausted)}, true)
	case unreachable(err):
		w.fail(&failure{kind: protocol.ConfigError, internal: err.Error(),
			message: fmt.Sprintf("The Conversions API at %s cannot be reached: %v. Check conversions_api_base_url and the network (a proxy or a TLS-inspecting firewall).", w.cfg.ConversionsAPIBaseURL, err)}, true)
	default:
		w.fail(&failure{kind: protocol.SystemError, message: "Sending events got an answer the connector did not expect.", internal: err.Error()}, true)
	}
	return nil
}

// rejectNamed rejects the events of b that apiErr names and returns b without them (nil when
// none is left). It reports false, rejecting nothing, when an index named is not in b.
func (w *syncWriter) rejectNamed(b *batch, apiErr *APIError) (*batch, bool) {
	named := apiErr.NamedEvents()
	for _, p := range named {
		if p.Index >= len(b.items) {
			return nil, false
		}
	}
	drop := make([]bool, len(b.items))
	for _, p := range named {
		drop[p.Index] = true
		w.rejectByAPI(b.items[p.Index], p, apiErr)
	}
	return b.without(drop, w.cfg.ValidateOnly), true
}

// halve delivers the first half of b and returns the second, to isolate events the API
// refused without naming them. An event alone is rejected.
func (w *syncWriter) halve(ctx context.Context, b *batch, apiErr *APIError) *batch {
	if len(b.items) == 1 {
		p := EventProblem{Param: apiErr.Param, Code: apiErr.Code, Message: apiErr.Message}
		if named := apiErr.NamedEvents(); len(named) > 0 {
			p = named[0]
		}
		w.rejectByAPI(b.items[0], p, apiErr)
		return nil
	}
	w.deliver.count.splits.Add(1)
	first, second := b.split(w.cfg.ValidateOnly)
	w.deliverBatch(ctx, first)
	return second
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
func keyAdvice(e *APIError) string {
	if e.Class() == ClassMissingScopes {
		return "The key lacks the scope ads.third_party_events.write, so it is most likely an Advertiser API key. " + adviceConversionsKey
	}
	return "The key is invalid or was revoked. " + adviceConversionsKey
}

// settle records the final outcome of records and echoes the states that are now covered.
func (w *syncWriter) settle(items []item, o checkpoint.Outcome) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, it := range items {
		if err := w.tracker.Done(it.seq, o); err != nil {
			w.failLocked(&failure{kind: protocol.SystemError, message: "The connector lost track of a record.", internal: err.Error()}, true)
			return
		}
		if o == checkpoint.Delivered {
			w.streams[it.stream].delivered++
		}
	}
	w.releaseStates()
}

// releaseStates echoes every state the tracker releases. Called with mu held.
//
// With validate_only, nothing was stored, so no state is echoed: the platform keeps its
// checkpoint and the next sync sends the same records for real.
func (w *syncWriter) releaseStates() {
	if w.frozen {
		return
	}
	for _, r := range w.tracker.Ready() {
		if w.cfg.ValidateOnly {
			continue
		}
		s := r.Payload.(*protocol.State)
		echo, err := s.WithStats(protocol.Stats{RecordCount: r.Stats.Delivered, RejectedRecordCount: r.Stats.Rejected})
		if err == nil {
			err = w.out.State(echo)
		}
		if err != nil {
			w.failLocked(&failure{kind: protocol.SystemError, message: "Echoing a state failed.", internal: err.Error()}, true)
			return
		}
	}
}
