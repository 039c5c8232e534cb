package protocol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriterWritesOneValidMessagePerLineUnderConcurrency(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				assert.NoError(t, w.Logf(LevelInfo, "goroutine %d message %d %s", g, i, strings.Repeat("x", 500)))
			}
		}()
	}
	wg.Wait()
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var m Message
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		require.Equal(t, TypeLog, m.Type)
		n++
	}
	assert.Equal(t, 1600, n)
}

// flushCounter counts the writes that reach the underlying writer.
type flushCounter struct {
	bytes.Buffer
	writes int
}

func (f *flushCounter) Write(p []byte) (int, error) { f.writes++; return f.Buffer.Write(p) }

func TestWriterFlushesEveryMessage(t *testing.T) {
	var out flushCounter
	w := NewWriter(&out)
	var s State
	require.NoError(t, json.Unmarshal([]byte(`{"type":"GLOBAL","id":1}`), &s))
	require.NoError(t, w.State(&s))
	assert.Equal(t, 1, out.writes)
	require.NoError(t, w.Error(ConfigError, "bad", "", nil))
	assert.Equal(t, 2, out.writes)
	require.NoError(t, w.ConnectionStatus(StatusFailed, "no"))
	assert.Equal(t, 3, out.writes)
	assert.Equal(t, 3, strings.Count(out.String(), "\n"))
}

func TestWriterRedactsSecretsInFreeText(t *testing.T) {
	const key = `sk-svcacct-abc<&>\def`
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Redact(key)
	require.NoError(t, w.Log(LevelError, "server said: Bearer "+key))
	require.NoError(t, w.Error(ConfigError, "key "+key+" refused", fmt.Sprintf("key=%s", key), nil))
	require.NoError(t, w.ConnectionStatus(StatusFailed, key))
	assert.NotContains(t, out.String(), "sk-svcacct-abc")
	assert.Equal(t, 4, strings.Count(out.String(), redactedText), out.String())
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		assert.True(t, json.Valid([]byte(line)), line)
	}
}

func TestWriterRedactsRunsOfTheKey(t *testing.T) {
	const key = "sk-e2e-BOTH-q7Xv3Lm9Tp2Wd8Rk4Hs6Nf1Bc5Yg0Ju"
	tests := []struct {
		name, text string
		leaked     string // a part of the key that must not survive
	}{
		{name: "the tail after a cut", text: "<html><body>upstream said " + key[:18] + "…", leaked: key[:18]},
		{name: "the middle", text: "token ..." + key[10:30] + "... refused", leaked: key[10:30]},
		{name: "the last 8 characters", text: "key ending " + key[len(key)-8:], leaked: key[len(key)-8:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := NewWriter(&out)
			w.Redact(key)
			require.NoError(t, w.Error(TransientError, tt.text, tt.text, nil))
			require.NoError(t, w.Log(LevelWarn, tt.text))
			assert.NotContains(t, out.String(), tt.leaked)
			assert.Equal(t, 3, strings.Count(out.String(), redactedText), out.String())
		})
	}
}

// TestWriterNeverChangesStatesOrEnums writes with secrets that are words of the protocol
// itself: states, enums and stream names keep their bytes, only free text is redacted.
func TestWriterNeverChangesStatesOrEnums(t *testing.T) {
	const stateJSON = `{"type":"STREAM","stream":{"stream_descriptor":{"name":"orders"}},"stream_state":{"config_error":"e"},"id":3}`
	for _, secret := range []string{"e", "config_error", "STREAM", "WARN", "FAILED", "orders", `"`, "{"} {
		t.Run(secret, func(t *testing.T) {
			var out bytes.Buffer
			w := NewWriter(&out)
			w.Redact(secret)
			var s State
			require.NoError(t, json.Unmarshal([]byte(stateJSON), &s))
			require.NoError(t, w.State(&s))
			require.NoError(t, w.Error(ConfigError, "say "+secret, "", &StreamDescriptor{Name: "orders"}))
			require.NoError(t, w.Log(LevelWarn, "say "+secret))
			require.NoError(t, w.ConnectionStatus(StatusFailed, "say "+secret))
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			require.Len(t, lines, 4)
			assert.Equal(t, `{"type":"STATE","state":`+stateJSON+`}`, lines[0])
			var trace, log, status Message
			require.NoError(t, json.Unmarshal([]byte(lines[1]), &trace), lines[1])
			require.NoError(t, json.Unmarshal([]byte(lines[2]), &log), lines[2])
			require.NoError(t, json.Unmarshal([]byte(lines[3]), &status), lines[3])
			assert.Equal(t, ConfigError, trace.Trace.Error.FailureType)
			assert.Equal(t, "orders", trace.Trace.Error.StreamDescriptor.Name)
			assert.Equal(t, "say "+redactedText, trace.Trace.Error.Message)
			assert.Equal(t, LevelWarn, log.Log.Level)
			assert.Equal(t, StatusFailed, status.ConnectionStatus.Status)
		})
	}
}

func TestRedactSecret(t *testing.T) {
	const key = "abcdefghijklmnopqrstuvwxyz0123"
	tests := []struct {
		name, text, secret, want string
	}{
		{name: "whole key", text: "k=" + key + ".", secret: key, want: "k=[redacted]."},
		{name: "a run of 8", text: "x defghijk y", secret: key, want: "x [redacted] y"},
		{name: "a run of 7 stays", text: "x defghij y", secret: key, want: "x defghij y"},
		{name: "two runs", text: "abcdefgh-0123 and qrstuvwxyz0", secret: key, want: "[redacted]-0123 and [redacted]"},
		{name: "a short secret only whole", text: "a b ab", secret: "ab", want: "a b [redacted]"},
		{name: "empty secret", text: "text", secret: "", want: "text"},
		{name: "no match", text: "nothing here at all", secret: key, want: "nothing here at all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, RedactSecret(tt.text, tt.secret))
		})
	}
}

func TestWriterRedactsOnlyInsideStringValues(t *testing.T) {
	for _, secret := range []string{"s", "type", `"level"`, "status", ":", ","} {
		var out bytes.Buffer
		w := NewWriter(&out)
		w.Redact(secret)
		require.NoError(t, w.ConnectionStatus(StatusFailed, "the key s is refused: type status"))
		require.NoError(t, w.Log(LevelInfo, "hello, world: "+secret))
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var m Message
			require.NoError(t, json.Unmarshal([]byte(line), &m), "secret %q: %s", secret, line)
			require.NotEmpty(t, m.Type, "secret %q: the message keeps its shape: %s", secret, line)
			if m.Log != nil {
				assert.NotContains(t, m.Log.Message, secret, "secret %q", secret)
			}
			if m.ConnectionStatus != nil {
				assert.Equal(t, StatusFailed, m.ConnectionStatus.Status)
				assert.NotContains(t, m.ConnectionStatus.Message, secret, "secret %q", secret)
			}
		}
	}
}

func TestWriterKeepsStateBytes(t *testing.T) {
	in := `{"type":"STREAM","stream":{"stream_descriptor":{"name":"a<b>&c"}},"id":12,"x":"é"}`
	var s State
	require.NoError(t, json.Unmarshal([]byte(in), &s))
	var out bytes.Buffer
	require.NoError(t, NewWriter(&out).State(&s))
	assert.Equal(t, `{"type":"STATE","state":`+in+"}\n", out.String())
}
