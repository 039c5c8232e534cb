package connectortest

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// WriteFile writes v to a new file name in a temporary directory of the test and returns its
// path: v as it is when it is []byte, or as JSON.
func WriteFile(t testing.TB, name string, v any) string {
	t.Helper()
	data, ok := v.([]byte)
	if !ok {
		var err error
		data, err = json.Marshal(v)
		require.NoError(t, err)
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// Stream is a stream of a configured catalog.
type Stream struct {
	Name, Namespace string
	// ObjectName, when set, is the destination_object_name (data activation).
	ObjectName string
}

// Catalog returns the configured catalog of streams, each incremental and appended, in the
// shape the platform writes.
func Catalog(streams ...Stream) map[string]any {
	var out []any
	for _, s := range streams {
		st := map[string]any{"name": s.Name, "json_schema": map[string]any{"type": "object"},
			"supported_sync_modes": []string{"incremental"}}
		if s.Namespace != "" {
			st["namespace"] = s.Namespace
		}
		cs := map[string]any{"stream": st, "sync_mode": "incremental", "destination_sync_mode": "append"}
		if s.ObjectName != "" {
			cs["destination_object_name"] = s.ObjectName
		}
		out = append(out, cs)
	}
	return map[string]any{"streams": out}
}

// FreeAddr returns a loopback address ("127.0.0.1:port") where nothing listened a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// ClosedURL returns a loopback http URL where nothing listens.
func ClosedURL(t testing.TB) string {
	t.Helper()
	return "http://" + FreeAddr(t)
}
