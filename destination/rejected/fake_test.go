package rejected

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// memStore is an in-process objectStore: a map of objects, with hooks to block or fail puts.
type memStore struct {
	mu      sync.Mutex
	objects map[string][]byte
	puts    int
	before  func(key string) error // called before each put; nil: accept
}

func newMemStore() *memStore { return &memStore{objects: map[string][]byte{}} }

func (m *memStore) put(ctx context.Context, key string, body []byte) error {
	if m.before != nil {
		if err := m.before(key); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	m.objects[key] = bytes.Clone(body)
	return nil
}

func (m *memStore) exists(context.Context) error { return nil }

func (m *memStore) remove(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, key)
	return nil
}

func (m *memStore) snapshot() map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range m.objects {
		out[k] = v
	}
	return out
}

// testConfig is an S3 configuration with the given format and compression.
func testConfig(format, flattening, compression string) StorageConfig {
	return StorageConfig{StorageType: StorageS3, S3: S3Config{
		BucketName: "rejected-test", BucketPath: "rejected", PathFormat: DefaultPathFormat, FileNameFormat: DefaultFileNameFormat,
		Format: FormatConfig{FormatType: format, Flattening: flattening}, Compression: Compression{CompressionType: compression},
	}}
}

// readRows decodes one object into rows of column → value, whatever its format.
func readRows(t testing.TB, key string, body []byte) []map[string]string {
	t.Helper()
	if strings.HasSuffix(key, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		require.NoError(t, err)
		body, err = io.ReadAll(zr)
		require.NoError(t, err)
	}
	var rows []map[string]string
	if strings.Contains(key, ".jsonl") {
		for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
			var raw map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(line), &raw), line)
			row := map[string]string{}
			for k, v := range raw {
				var s string
				if json.Unmarshal(v, &s) != nil {
					s = string(v)
				}
				row[k] = s
			}
			rows = append(rows, row)
		}
		return rows
	}
	all, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, all, "a CSV object has a header")
	for _, rec := range all[1:] {
		row := map[string]string{}
		for i, col := range all[0] {
			row[col] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}
