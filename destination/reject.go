package destination

import (
	"errors"
	"fmt"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// rejectRecord handles a record that validation refused.
func (w *syncWriter) rejectRecord(rt *route, seq checkpoint.Seq, rec *protocol.Record, err error) {
	var rej *event.Rejection
	if !errors.As(err, &rej) {
		w.ledger.fail(&failure{kind: protocol.SystemError, message: "Preparing a record failed unexpectedly.", internal: err.Error(), stream: &rt.descriptor}, true)
		return
	}
	r := ruleRejection(rt, seq, rej)
	if w.keepsRecords() {
		r.data, r.emittedAt = rec.Data, int64(rec.EmittedAt)
	}
	w.ledger.reject(r)
}

// ruleRejection is the rejection of a record that broke one of event's rules.
func ruleRejection(rt *route, seq checkpoint.Seq, rej *event.Rejection) rejection {
	msg := rej.Message
	if rej.Hint != "" {
		msg += " (hint: " + rej.Hint + ")"
	}
	return rejection{route: rt, seq: seq, record: rej.Record, rule: rej.Rule, field: rej.Path, message: msg,
		reason: rej.Error(), fix: remedy(rej.Rule == event.RuleTimestampWindow)}
}

// keptData fills r's record data from its batch item, where the batcher kept it (see item.raw).
func keptData(r rejection, it item) rejection {
	r.data, r.emittedAt = it.raw, it.emittedAt
	return r
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
func (w *syncWriter) rejectByAPI(b *batch, it item, p openai.EventProblem, apiErr *openai.APIError) {
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
	message := fmt.Sprintf("refused by the OpenAI API (HTTP %d): %s", apiErr.Status, p.Message)
	w.ledger.reject(keptData(rejection{route: rt, seq: it.seq, record: it.record, rule: rule, field: p.Field(),
		message: message, apiCode: p.Code, reason: reason, fix: remedy(p.Code == apiCodeTooOld)}, it))
}

// apiCodeTooOld is the error code of the API's refusal of an event older than 7 days.
const apiCodeTooOld = "event_timestamp_too_old"
