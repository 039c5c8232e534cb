package destination

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// TestCheckWithoutAPixelSaysSoFirst pins the wording a user with a Conversions API key and no
// pixel reads: one short message that starts with the fix, the server's text kept internal.
func TestCheckWithoutAPixelSaysSoFirst(t *testing.T) {
	f := newFakeServer(t)
	f.on(routeAccount, keyInvalid)
	path := writeConfigFile(t, fakeConfig(f.URL, nil))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	res := runCommand(t, ctx, checkNow, "check", "--config", path)

	assertCheckVerdict(t, res, checkWant{
		status: protocol.StatusFailed, failure: protocol.ConfigError,
		words:    []string{"Default Pixel ID", "HTTP 401"},
		notWords: []string{"Incorrect API key provided"},
		internal: []string{"Incorrect API key provided"},
	})
	assert.Equal(t, 1, f.calls(routeAccount))
	assert.Zero(t, f.calls(routeEvents), "nothing to probe without a pixel")
	traces := errorTraces(res.Messages)
	require.Len(t, traces, 1)
	msg := traces[0].Message
	assert.Regexp(t, `^Set a Default Pixel ID: `, msg, "the advice comes first")
	assert.LessOrEqual(t, len(msg), 260, "one short message: %q", msg)
}
