package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// minKeyRun is the shortest piece of a key that counts as printing the key: the connector
// redacts any run of 8 or more of its characters.
const minKeyRun = 8

// assertNoPieceOfKey checks that no run of minKeyRun characters of key appears in text.
func assertNoPieceOfKey(t *testing.T, text, key string) {
	t.Helper()
	for i := 0; i+minKeyRun <= len(key); i++ {
		if piece := key[i : i+minKeyRun]; strings.Contains(text, piece) {
			assert.Failf(t, "a piece of the API key is printed", "%q (key bytes %d to %d) in:\n%s", piece, i, i+minKeyRun, text)
			return
		}
	}
}

// A proxy's 502 page holds the key at about byte 120, with no "Bearer" before it: cutting
// the page to 120 bytes before redacting it used to print the first part of the key.
func TestAKeyInAProxysPageIsNeverPrintedInPart(t *testing.T) {
	t.Parallel()
	f := startFake(t, fakeapi.WebPixels("pxl_default"), nil)
	f.api.Script(fakeapi.Fault{Kind: fakeapi.FaultEchoKeyHTML, Path: "/v1/events", Times: 1000})
	cfg := baseConfig(f, keyBoth)
	cfg["default_pixel_id"] = "pxl_default"
	cfg["max_retry_seconds"] = 0

	t.Run("check", func(t *testing.T) {
		r := run(t, nil, "check", "--config", connectortest.WriteFile(t, "config.json", cfg))
		checkCommon(t, r)
		statuses := r.OfType("CONNECTION_STATUS")
		require.Len(t, statuses, 1, "stdout:\n%s", r.Stdout)
		assert.Equal(t, "FAILED", statuses[0].Status.Status)
		assert.Contains(t, r.Stdout, "HTTP 502", "the answer is reported")
		assert.Contains(t, r.Stdout, "[redacted]", "the key's place is marked")
		assertNoPieceOfKey(t, r.Stdout, keyBoth)
	})
	t.Run("write", func(t *testing.T) {
		s := stream{name: "conversions", pixel: "pxl_default"}
		in := newInput().records(s, 3).streamState(s)
		r := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)
		checkFailedWrite(t, f, in, r, "transient_error", "HTTP 502")
		assertNoPieceOfKey(t, r.Stdout, keyBoth)
	})
}

// Keys that cannot be real are refused when the configuration is read, naming the field:
// before, a one-letter key turned every "e" of an echoed state into "[redacted]", the key
// config_error turned failure_type into "[redacted]", and a key with a control character
// was retried as a network error for the whole retry budget.
func TestImplausibleKeysAreRefusedAtConfigTime(t *testing.T) {
	t.Parallel()
	f := startFake(t, fakeapi.WebPixels("pxl_default"), nil)
	s := stream{name: "orders", pixel: "pxl_default"}
	tests := []struct {
		name, key, problem string
	}{
		{name: "one letter", key: "e", problem: "api_key: is too short to be an API key"},
		{name: "a protocol word", key: "config_error", problem: "api_key: is too short to be an API key"},
		{name: "a control character", key: keyBoth[:20] + "\x01" + keyBoth[20:], problem: "api_key: must not contain control characters"},
		{name: "a word", key: "conversionskeyforourshop", problem: "api_key: is too plain to be an API key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig(f, tt.key)
			cfg["default_pixel_id"] = "pxl_default"

			c := run(t, nil, "check", "--config", connectortest.WriteFile(t, "config.json", cfg))
			checkCommon(t, c)
			assert.Equal(t, 0, c.Exit, "a config problem is a FAILED status, exit 0")
			kind, msg := c.Failure(t)
			assert.Equal(t, "config_error", kind)
			assert.Contains(t, msg, tt.problem)
			statuses := c.OfType("CONNECTION_STATUS")
			require.Len(t, statuses, 1, "stdout:\n%s", c.Stdout)
			assert.Equal(t, "FAILED", statuses[0].Status.Status)

			in := newInput().records(s, 3).streamState(s)
			w := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)
			checkCommon(t, w)
			assert.Equal(t, 1, w.Exit, "exit code; stdout:\n%s", w.Stdout)
			kind, msg = w.Failure(t)
			assert.Equal(t, "config_error", kind)
			assert.Contains(t, msg, tt.problem)
			assert.Empty(t, w.OfType("STATE"), "nothing is sent, so no state is echoed")
			if len(tt.key) > 1 {
				assert.NotContains(t, msg, tt.key, "the key is never quoted")
			}
			assertNoPieceOfKey(t, c.Stdout+w.Stdout, keyBoth)
		})
	}
	assert.Zero(t, f.api.Stats().Requests, "no request is made with a key that cannot be real")
}
