package e2e

import (
	"testing"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A full batch with three events the API refuses: each answer names the refused event
// (reference §0.3), so the connector rejects exactly it and sends the rest again. Three
// refusals and one success are four requests, where halving would take about thirty.
func TestWriteRejectsThreeRefusedEventsOfAFullBatchInFourRequests(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	cfg["continue_on_errors"] = true
	in := newInput()
	var poison []string
	for n := 1; n <= 1000; n++ {
		r := in.record(s)
		if n == 3 || n == 501 || n == 998 {
			r.refused = true
			poison = append(poison, r.id)
		}
	}
	in.streamState(s)
	f.api.Poison(poison...)

	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)

	assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	echoed := checkWrite(t, f, in, r)
	st := assertExactlyOnce(t, f, in) // the 997 others, each once
	assert.LessOrEqual(t, st.Requests, int64(4), "requests for a batch of 1,000 with 3 refused events")
	assert.Equal(t, int64(997), st.EventsAccepted)
	if assert.Len(t, echoed, 1) {
		assert.Equal(t, [2]float64{997, 3}, [2]float64{echoed[0].recorded, echoed[0].rejected}, "the state counts 997 delivered and 3 rejected")
	}
	for _, record := range []string{"record 3:", "record 501:", "record 998:"} {
		assert.True(t, containsAll(r.Logs("WARN"), `stream "conversions" `+record, "poisoned_event", "refused by the OpenAI API"),
			"the rejection of %s is logged with the API's code; logs: %q", record, r.Logs("WARN"))
	}
	summary := r.Logs("WARN") // a summary with rejections is a warning
	assert.True(t, containsAll(summary, "Summary:", "0 batch splits"), "no halving; logs: %q", summary)
}

// An unknown pixel is a pixel problem, named as such, in check and in write; never a bad key.
func TestAnUnknownPixelIsNamedInCheckAndWrite(t *testing.T) {
	t.Parallel()
	good := stream{name: "good", pixel: "pxl_default"}
	gone := stream{name: "gone", pixel: "pxl_gone", objectName: "pxl_gone"} // not the account's
	also := stream{name: "also_gone", pixel: "pxl_gone", objectName: "pxl_gone"}
	f, cfg := defaultPixelSetup(t)
	cfg["default_pixel_id"] = "pxl_gone"

	c := run(t, nil, "check", "--config", connectortest.WriteFile(t, "config.json", cfg))
	checkCommon(t, c)
	statuses := c.OfType("CONNECTION_STATUS")
	require.Len(t, statuses, 1, "stdout:\n%s", c.Stdout)
	assert.Equal(t, "FAILED", statuses[0].Status.Status)
	assert.Contains(t, statuses[0].Status.Message, `OpenAI does not know Pixel ID "pxl_gone"`)
	assert.Contains(t, statuses[0].Status.Message, "403: unknown pid")
	assert.NotContains(t, statuses[0].Status.Message, "refused this API key")

	cfg["default_pixel_id"] = "pxl_default"
	in := newInput().records(good, 10).records(gone, 10).records(also, 5).streamState(good).streamState(gone)
	w := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(good, gone, also))...)
	assert.Equal(t, 1, w.Exit, "exit code; stdout:\n%s", w.Stdout)
	checkWrite(t, f, in, w)
	kind, msg := w.Failure(t)
	assert.Equal(t, "config_error", kind)
	assert.Contains(t, msg, `Pixel ID "pxl_gone" is unknown to OpenAI`)
	assert.Contains(t, msg, `"gone"`, "the streams routed to the pixel are named")
	assert.Contains(t, msg, `"also_gone"`, "the streams routed to the pixel are named")
	assert.NotContains(t, msg, `"good"`)
	assert.NotContains(t, msg, "refused the API key")
}
