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

func TestWriterRedactsSecretsEverywhere(t *testing.T) {
	const key = `sk-svcacct-abc<&>\def`
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Redact(key)
	require.NoError(t, w.Log(LevelError, "server said: Bearer "+key))
	require.NoError(t, w.Error(ConfigError, "key "+key+" refused", fmt.Sprintf("key=%s", key), &StreamDescriptor{Name: key}))
	require.NoError(t, w.ConnectionStatus(StatusFailed, key))
	assert.NotContains(t, out.String(), "sk-svcacct-abc")
	assert.Equal(t, 5, strings.Count(out.String(), redactedText), out.String())
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		assert.True(t, json.Valid([]byte(line)), line)
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
