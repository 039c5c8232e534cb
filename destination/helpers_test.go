package destination

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// testKey is the API key of every test and fake. It is long and distinctive so that a leak is found by a
// plain substring search.
const testKey = "sk-svcacct-" + testKeyMark + "0123456789abcdefXYZ"

// testKeyMark is the part of testKey that no other text of the connector contains.
const testKeyMark = "TESTKEY"

// writeConfigFile writes a config to a fresh temporary file and returns its path.
func writeConfigFile(t *testing.T, cfg map[string]any) string {
	t.Helper()
	data, err := json.Marshal(cfg)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// fakeConfig is a valid config whose two base URLs point at baseURL, with extra fields set
// over it (a nil value deletes a field).
func fakeConfig(baseURL string, extra map[string]any) map[string]any {
	cfg := map[string]any{
		"api_key":                  testKey,
		"continue_on_errors":       false,
		"conversions_api_base_url": baseURL,
		"ads_api_base_url":         baseURL,
	}
	for k, v := range extra {
		if v == nil {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	return cfg
}

// commandResult is what one in-process run of a command produced.
type commandResult struct {
	Stdout   string
	Err      error
	Messages []protocol.Message
}

// knownTypes are the message types a destination may write.
var knownTypes = map[protocol.Type]bool{
	protocol.TypeRecord: true, protocol.TypeState: true, protocol.TypeLog: true, protocol.TypeSpec: true,
	protocol.TypeConnectionStatus: true, protocol.TypeCatalog: true, protocol.TypeTrace: true,
	protocol.TypeControl: true, protocol.TypeDestinationCatalog: true,
}

// runCommand runs a command in-process with a fixed clock and parses its stdout, checking
// that every line is one protocol message of a known type.
func runCommand(t *testing.T, ctx context.Context, now time.Time, args ...string) commandResult {
	t.Helper()
	var stdout bytes.Buffer
	err := Run(ctx, args, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Version: "test", Now: func() time.Time { return now }})
	res := commandResult{Stdout: stdout.String(), Err: err}
	res.Messages = parseMessages(t, res.Stdout)
	return res
}

// parseMessages reads stdout line by line: every line must be a JSON protocol message with a
// known type and only the fields the protocol defines.
func parseMessages(t *testing.T, stdout string) []protocol.Message {
	t.Helper()
	var out []protocol.Message
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var m protocol.Message
		if assert.NoError(t, dec.Decode(&m), "stdout line is not a protocol message: %s", line) {
			assert.True(t, knownTypes[m.Type], "unknown message type %q in %s", m.Type, line)
			assert.False(t, dec.More(), "one message per line: %s", line)
			out = append(out, m)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// ofType returns the messages of one type.
func ofType(msgs []protocol.Message, typ protocol.Type) []protocol.Message {
	var out []protocol.Message
	for _, m := range msgs {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	return out
}

// errorTraces returns the TRACE ERROR messages.
func errorTraces(msgs []protocol.Message) []*protocol.ErrorTrace {
	var out []*protocol.ErrorTrace
	for _, m := range ofType(msgs, protocol.TypeTrace) {
		if m.Trace != nil && m.Trace.Type == protocol.TraceError && m.Trace.Error != nil {
			out = append(out, m.Trace.Error)
		}
	}
	return out
}

// logs returns the messages of LOG messages at one level.
func logs(msgs []protocol.Message, level protocol.Level) []string {
	var out []string
	for _, m := range ofType(msgs, protocol.TypeLog) {
		if m.Log != nil && m.Log.Level == level {
			out = append(out, m.Log.Message)
		}
	}
	return out
}

// assertNoKey checks that the key shows nowhere in what a command produced: not whole, and not
// its distinctive mark either (a cut or re-encoded key is a leak too).
func assertNoKey(t *testing.T, res commandResult) {
	t.Helper()
	for name, out := range map[string]string{"stdout": res.Stdout, "error": errText(res.Err)} {
		assert.NotContains(t, out, testKey, "%s leaks the API key", name)
		assert.NotContains(t, out, testKeyMark, "%s leaks part of the API key", name)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
