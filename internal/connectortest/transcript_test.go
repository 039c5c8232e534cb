package connectortest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		wantType string
		check    func(t *testing.T, m Message)
	}{
		{"not JSON", `Starting...`, "", func(t *testing.T, m Message) { assert.Nil(t, m.Raw) }},
		{"a JSON object without a type", `{"log":{}}`, "", func(t *testing.T, m Message) { assert.NotNil(t, m.Raw) }},
		{"log", `{"type":"LOG","log":{"level":"WARN","message":"careful"}}`, "LOG", func(t *testing.T, m Message) {
			assert.Equal(t, &Log{Level: "WARN", Message: "careful"}, m.Log)
		}},
		{"state kept raw", `{"type":"STATE","state":{"id":3, "x":1.0}}`, "STATE", func(t *testing.T, m Message) {
			assert.Equal(t, `{"id":3, "x":1.0}`, string(m.State))
		}},
		{"error trace", `{"type":"TRACE","trace":{"type":"ERROR","emitted_at":1.0,"error":{"message":"m","internal_message":"i","failure_type":"config_error","stream_descriptor":{"name":"s"}}}}`, "TRACE",
			func(t *testing.T, m Message) {
				require.NotNil(t, m.Trace)
				require.NotNil(t, m.Trace.Error)
				assert.Equal(t, "config_error", m.Trace.Error.FailureType)
				assert.Equal(t, "s", m.Trace.Error.StreamDescriptor.Name)
			}},
		{"connection status", `{"type":"CONNECTION_STATUS","connectionStatus":{"status":"FAILED","message":"no"}}`, "CONNECTION_STATUS",
			func(t *testing.T, m Message) {
				assert.Equal(t, &ConnectionStatus{Status: "FAILED", Message: "no"}, m.Status)
			}},
		{"spec kept raw", `{"type":"SPEC","spec":{"a":1}}`, "SPEC", func(t *testing.T, m Message) { assert.JSONEq(t, `{"a":1}`, string(m.Spec)) }},
		{"payload of the wrong shape", `{"type":"LOG","log":"text"}`, "LOG", func(t *testing.T, m Message) { assert.Nil(t, m.Log) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ParseMessage(Line{Text: tt.line})
			assert.Equal(t, tt.wantType, m.Type)
			assert.Equal(t, tt.line, m.Line.Text)
			tt.check(t, m)
		})
	}
}

func TestTranscriptSelectsByTypeAndLevel(t *testing.T) {
	tr := ParseStdout(`{"type":"LOG","log":{"level":"INFO","message":"a"}}
{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1.0}}
{"type":"LOG","log":{"level":"WARN","message":"b"}}
{"type":"TRACE","trace":{"type":"ERROR","emitted_at":1.0,"error":{"message":"m","internal_message":"i","failure_type":"system_error"}}}
{"type":"LOG","log":{"level":"INFO","message":"c"}}
`, time.Now())

	assert.Len(t, tr.Lines, 5)
	assert.Len(t, tr.OfType("TRACE"), 2)
	assert.Equal(t, []string{"a", "c"}, tr.Logs("INFO"))
	assert.Equal(t, []string{"b"}, tr.Logs("WARN"))
	assert.Len(t, tr.ErrorTraces(), 1)
	kind, msg := tr.Failure(t)
	assert.Equal(t, "system_error", kind)
	assert.Equal(t, "m | i", msg)
	assert.Equal(t, tr.Lines[4].Text+"\n", tr.Stdout[len(tr.Stdout)-len(tr.Lines[4].Text)-1:], "Stdout ends with the last line")
}

func TestCatalog(t *testing.T) {
	got := Catalog(Stream{Name: "a"}, Stream{Name: "b", Namespace: "ns", ObjectName: "pxl"})
	streams := got["streams"].([]any)
	require.Len(t, streams, 2)
	first, second := streams[0].(map[string]any), streams[1].(map[string]any)
	assert.NotContains(t, first, "destination_object_name")
	assert.NotContains(t, first["stream"], "namespace")
	assert.Equal(t, "pxl", second["destination_object_name"])
	assert.Equal(t, "ns", second["stream"].(map[string]any)["namespace"])
	assert.Equal(t, "append", second["destination_sync_mode"])
}

func TestClosedURLRefusesConnections(t *testing.T) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, ClosedURL(t), nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err == nil {
		resp.Body.Close()
	}
	assert.Error(t, err, "nothing listens")
}
