package destination

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// discoverWith runs discover against a fake API whose key is of the given kind.
func discoverWith(t *testing.T, kind fakeapi.KeyKind, extra string) ([]protocol.Message, error) {
	t.Helper()
	api := fakeapi.New(fakeapi.Options{
		Keys:   map[string]fakeapi.KeyKind{writeTestKey: kind},
		Pixels: []fakeapi.Pixel{{Name: "Web shop", PixelID: "pxl_web"}, {Name: "App", PixelID: "pxl_app"}},
	})
	srv := httptest.NewServer(api)
	t.Cleanup(func() { api.Close(); srv.Close() })
	path := filepath.Join(t.TempDir(), "config.json")
	cfg := fmt.Sprintf(`{"api_key":%q,"continue_on_errors":false,"conversions_api_base_url":%q,"ads_api_base_url":%q%s}`, writeTestKey, srv.URL, srv.URL, extra)
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	var out bytes.Buffer
	err := Run(context.Background(), []string{"discover", "--config", path}, Env{Stdout: &out, Version: "test"})
	assert.NotContains(t, out.String(), writeTestKey)
	var msgs []protocol.Message
	for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var m protocol.Message
		require.NoError(t, json.Unmarshal(line, &m), string(line))
		msgs = append(msgs, m)
	}
	return msgs, err
}

func TestDiscoverOffersEveryKnownPixelWithTheEventSchema(t *testing.T) {
	msgs, err := discoverWith(t, fakeapi.KeyBoth, `,"default_pixel_id":"pxl_configured"`)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, protocol.TypeDestinationCatalog, msgs[0].Type)
	ops := msgs[0].DestinationCatalog.Operations
	require.Len(t, ops, 3, "the configured pixel first, then the listed ones")
	assert.Equal(t, []string{"pxl_configured", "pxl_web", "pxl_app"}, []string{ops[0].ObjectName, ops[1].ObjectName, ops[2].ObjectName})
	for _, op := range ops {
		assert.Equal(t, protocol.SyncAppend, op.SyncMode)
		assert.NotNil(t, op.MatchingKeys, "matching_keys is an empty list, not null")
		assert.Empty(t, op.MatchingKeys, "an append-only events operation has no matching key")
		var schema struct {
			Title      string
			Properties map[string]struct{ Description string }
		}
		require.NoError(t, json.Unmarshal(op.JSONSchema, &schema))
		assert.Contains(t, schema.Title, op.ObjectName)
		assert.Contains(t, schema.Properties, "timestamp_ms")
		assert.Contains(t, schema.Properties["id"].Description, "deduplicates events on id together with type", "the dedup key is explained on id")
		assert.Contains(t, schema.Properties["type"].Description, "Together with id", "and on type")
	}
	raw, err := json.Marshal(msgs[0])
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"matching_keys":[]`, "written as an empty list")
	var web map[string]any
	require.NoError(t, json.Unmarshal(ops[1].JSONSchema, &web))
	assert.Contains(t, web["title"], "Web shop", "the pixel's name is shown")
}

func TestDiscoverWithAKeyThatCannotListPixels(t *testing.T) {
	msgs, err := discoverWith(t, fakeapi.KeyConversions, `,"stream_pixels":[{"stream_name":"orders","pixel_id":"pxl_web"}]`)
	require.NoError(t, err, "configured pixels are enough")
	require.Len(t, msgs, 2)
	assert.Equal(t, protocol.LevelWarn, msgs[0].Log.Level)
	require.Len(t, msgs[1].DestinationCatalog.Operations, 1)
	assert.Equal(t, "pxl_web", msgs[1].DestinationCatalog.Operations[0].ObjectName)

	msgs, err = discoverWith(t, fakeapi.KeyConversions, "")
	var reported *ReportedError
	require.ErrorAs(t, err, &reported)
	require.Len(t, msgs, 1)
	assert.Equal(t, protocol.ConfigError, msgs[0].Trace.Error.FailureType)
	assert.Contains(t, msgs[0].Trace.Error.Message, "Ads Manager under Conversions")
}
