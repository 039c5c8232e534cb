package destination

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// deliverBatch sends one batch and settles its records: delivered; or, when the API refuses
// some of the batch's events, split in halves until the refused events are isolated and
// rejected while the others are delivered; or the sync's failure.
func (w *syncWriter) deliverBatch(ctx context.Context, b *batch) {
	err := w.deliver.send(ctx, b)
	if err == nil {
		w.settle(b.items, checkpoint.Delivered)
		return
	}
	if ctx.Err() != nil {
		return // shutting down: the records stay unsettled, so no state covering them is echoed
	}
	var apiErr *APIError
	var exhausted *RetryExhaustedError
	switch {
	case errors.As(err, &apiErr) && refusesEvents(apiErr) && len(b.items) > 1:
		w.deliver.count.splits.Add(1)
		first, second := b.split(w.cfg.ValidateOnly)
		w.deliverBatch(ctx, first)
		w.deliverBatch(ctx, second)
	case errors.As(err, &apiErr) && refusesEvents(apiErr):
		w.rejectByAPI(b.items[0], apiErr)
	case errors.As(err, &apiErr) && pixelRefused(apiErr):
		w.fail(&failure{kind: protocol.ConfigError, internal: err.Error(),
			message: fmt.Sprintf("Pixel ID %q was refused (HTTP %d: %s). %s", b.pixel, apiErr.Status, apiErr.Message, advicePixel)}, true)
	case errors.As(err, &apiErr) && apiErr.AuthFailure():
		w.fail(&failure{kind: protocol.ConfigError, internal: err.Error(),
			message: fmt.Sprintf("OpenAI refused the API key while sending events (HTTP %d). %s", apiErr.Status, keyAdvice(apiErr))}, true)
	case errors.As(err, &exhausted):
		w.fail(&failure{kind: protocol.TransientError, internal: err.Error(),
			message: fmt.Sprintf("OpenAI kept failing or rate limiting requests for pixel %q; the retry budget of %s ran out (%v). The sync will be retried.", b.pixel, w.deliver.budget, exhausted)}, true)
	case unreachable(err):
		w.fail(&failure{kind: protocol.ConfigError, internal: err.Error(),
			message: fmt.Sprintf("The Conversions API at %s cannot be reached: %v. Check conversions_api_base_url and the network (a proxy or a TLS-inspecting firewall).", w.cfg.ConversionsAPIBaseURL, err)}, true)
	default:
		w.fail(&failure{kind: protocol.SystemError, message: "Sending events got an answer the connector did not expect.", internal: err.Error()}, true)
	}
}

// refusesEvents tells whether a refusal is about some of the batch's events, which halving
// can isolate: a 400 or 422 that names an event (param "events[i]..."), or names nothing, or a
// 413. A refusal that names the request itself (the pixel, the events wrapper, the JSON) is
// not: splitting it would only turn every record of the batch into a rejection.
func refusesEvents(e *APIError) bool {
	switch {
	case e.Status == 413:
		return true
	case !e.BadRequest() || pixelRefused(e):
		return false
	default:
		return e.Param == "" || strings.HasPrefix(e.Param, "events[")
	}
}

// keyAdvice words a key refusal as check does.
func keyAdvice(e *APIError) string {
	if e.MissingScopes() {
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
