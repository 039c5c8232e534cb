package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
)

// A 2xx whose body is an error envelope, or whose accepted_events is not the batch's count,
// is logged with its request id and counted in the summary. Its events count as delivered:
// what accepted_events means is undocumented.
func TestWriteReportsSuccessAnswersThatDoNotConfirmTheBatch(t *testing.T) {
	t.Parallel()
	s := stream{name: "conversions", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	cfg["batch_size"] = 10
	f.api.Script(
		fakeapi.Fault{Kind: fakeapi.FaultAcceptedNone, Path: "/v1/events"},
		fakeapi.Fault{Kind: fakeapi.FaultOKErrorBody, Path: "/v1/events"},
	)
	in := newInput().records(s, 30).streamState(s)

	r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)

	checkCommon(t, r)
	assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	assert.Len(t, r.OfType("STATE"), 1, "the state is echoed: the answers were successes")
	warns := r.Logs("WARN")
	assert.True(t, containsAll(warns, "batch of 10 events", `"pxl_default"`, "accepted_events is 0 for a batch of 10", "(x-request-id req_"),
		"the zero count is logged with its request id; warnings: %q", warns)
	assert.True(t, containsAll(warns, "batch of 10 events", "its body is an error: The server had an error", "(x-request-id req_"),
		"the error body is logged with its request id; warnings: %q", warns)
	assert.True(t, containsAll(warns, "Summary: 30 records received, 30 delivered, 0 rejected", "2 success answers did not confirm every event"),
		"the summary counts them; warnings: %q", warns)
	assert.Equal(t, int64(10), f.api.Stats().EventsAccepted, "the fake stored only the batch it confirmed")
}
