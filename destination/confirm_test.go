package destination

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

func TestConfirmationsLogAndCount(t *testing.T) {
	var out bytes.Buffer
	c := &confirmations{out: protocol.NewWriter(&out)}
	zero, three := 0, 3
	c.check("pxl_a", 3, openai.EventsResult{AcceptedEvents: &three})
	for range maxUnconfirmedLogs + 5 {
		c.check("pxl_a", 3, openai.EventsResult{AcceptedEvents: &zero, RequestID: "req_9"})
	}
	assert.Equal(t, int64(maxUnconfirmedLogs+5), c.count())
	assert.Equal(t, maxUnconfirmedLogs, strings.Count(out.String(), "\n"), "the first ones are logged one by one")
	assert.Contains(t, out.String(), `batch of 3 events for pixel \"pxl_a\" with success, but accepted_events is 0 for a batch of 3 (x-request-id req_9)`)
	assert.Contains(t, c.summary(), "25 success answers did not confirm every event")
	assert.Empty(t, (&confirmations{}).summary())
}

func TestConfirmationsInValidateOnlyTakeZeroForNotStored(t *testing.T) {
	var out bytes.Buffer
	c := &confirmations{out: protocol.NewWriter(&out), validateOnly: true}
	zero, two := 0, 2
	c.check("pxl_a", 3, openai.EventsResult{AcceptedEvents: &zero})
	assert.Zero(t, c.count(), "0 may mean checked and not stored")
	c.check("pxl_a", 3, openai.EventsResult{AcceptedEvents: &two})
	c.check("pxl_a", 3, openai.EventsResult{ErrorMessage: "Try again."})
	assert.Equal(t, int64(2), c.count(), "another count, or an error body, is still reported")
}
