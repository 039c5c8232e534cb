package destination

import (
	"fmt"
	"sync/atomic"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// maxUnconfirmedLogs is how many 2xx answers that do not confirm their batch are logged one
// by one; the rest are counted in the summary.
const maxUnconfirmedLogs = 20

// confirmations watch the 2xx answers of the events endpoint: an answer whose body is an
// error envelope, or whose accepted_events differs from the batch's event count, is logged
// with its request id and counted. Its events still count as delivered: the meaning of
// accepted_events is undocumented, so the connector reports and does not guess. Safe for
// concurrent use.
//
// With validate_only, an accepted_events of 0 is not reported: the events were checked and,
// as asked, not stored, which is one reading of 0 the connector cannot rule out.
type confirmations struct {
	out          *protocol.Writer
	validateOnly bool
	unconfirmed  atomic.Int64
}

// check compares the answer res to a batch of n events sent to pixel.
func (c *confirmations) check(pixel string, n int, res openai.EventsResult) {
	if c == nil {
		return
	}
	if c.validateOnly && res.ErrorMessage == "" && res.AcceptedEvents != nil && *res.AcceptedEvents == 0 {
		return
	}
	what := res.Mismatch(n)
	if what == "" {
		return
	}
	count := c.unconfirmed.Add(1)
	if count > maxUnconfirmedLogs || c.out == nil {
		return
	}
	id := ""
	if res.RequestID != "" {
		id = " (x-request-id " + res.RequestID + ")"
	}
	more := ""
	if count == maxUnconfirmedLogs {
		more = " Further such answers are counted in the summary, not logged one by one."
	}
	_ = c.out.Logf(protocol.LevelWarn, "OpenAI answered a batch of %s for pixel %q with success, but %s%s. "+
		"Its events are counted as delivered: what accepted_events means is not documented, so ask OpenAI support with the request id.%s",
		plural(int64(n), "event", "events"), pixel, what, id, more)
}

// count returns how many answers did not confirm their batch.
func (c *confirmations) count() int64 {
	if c == nil {
		return 0
	}
	return c.unconfirmed.Load()
}

// summary words the count for the end-of-sync summary: "" when every answer confirmed its
// batch.
func (c *confirmations) summary() string {
	n := c.count()
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %s did not confirm every event of the batch (see the warnings)", plural(n, "success answer", "success answers"))
}
