package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
	"github.com/stretchr/testify/assert"
)

// TestConfigFileProblemsNameTheFile runs check on config files a user may get wrong by hand:
// the message names the file, and for JSON, where it breaks.
func TestConfigFileProblemsNameTheFile(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-config.json")
	broken := connectortest.WriteFile(t, "config.json", []byte("{\n  \"api_key\": \"k\"\n  \"batch_size\": 10\n}"))
	for _, tt := range []struct {
		name, path string
		want       string
	}{
		{name: "missing file", path: missing, want: "The config file " + missing + " cannot be read: no such file or directory."},
		{name: "invalid JSON", path: broken, want: "The config file " + broken + " has invalid JSON at byte 22."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, "check", "--config", tt.path)
			checkCommon(t, r)
			assert.Equal(t, 0, r.Exit, "a config problem is a FAILED status, exit 0")
			kind, msg := r.Failure(t)
			assert.Equal(t, "config_error", kind)
			assert.True(t, strings.HasPrefix(msg, tt.want), "message %q starts with %q", msg, tt.want)
		})
	}
}

// TestCheckWithoutContinueOnErrors checks that a hand-written config may leave
// continue_on_errors out: it defaults to false.
func TestCheckWithoutContinueOnErrors(t *testing.T) {
	t.Parallel()
	_, cfg := defaultPixelSetup(t)
	delete(cfg, "continue_on_errors")
	r := run(t, nil, "check", "--config", connectortest.WriteFile(t, "config.json", cfg))
	checkCommon(t, r)
	statuses := r.OfType("CONNECTION_STATUS")
	if assert.Len(t, statuses, 1, "stdout:\n%s", r.Stdout) {
		assert.Equal(t, "SUCCEEDED", statuses[0].Status.Status)
	}
}
