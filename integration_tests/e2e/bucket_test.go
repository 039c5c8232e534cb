package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/s3server"
)

// sharedS3 is the package's real S3 server (SeaweedFS), started by the first test that needs
// one and stopped by TestMain; each test takes a bucket of its own.
var sharedS3 struct {
	once sync.Once
	srv  *s3server.Server
	err  error
}

// s3Server returns the package's S3 server, starting it on first use.
func s3Server(t testing.TB) *s3server.Server {
	t.Helper()
	sharedS3.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute) // a cold build of weed
		defer cancel()
		sharedS3.srv, sharedS3.err = s3server.Launch(ctx)
	})
	require.NoError(t, sharedS3.err, "the S3 test server")
	return sharedS3.srv
}

// stopSharedS3 stops the package's S3 server, if a test started it.
func stopSharedS3() {
	if sharedS3.srv != nil {
		sharedS3.srv.Close()
	}
}

// bucketPath is the bucket_path of every test: objects go under it.
const bucketPath = "rejected"

// storage is an object_storage_config of bucket on srv (or on endpoint, when not empty),
// CSV without flattening or compression unless format and compression say otherwise.
type storage struct {
	srv         *s3server.Server
	bucket      string
	endpoint    string // instead of srv's, for a proxy in front of it
	format      map[string]any
	compression string
}

func (s storage) config() map[string]any {
	endpoint := s.endpoint
	if endpoint == "" {
		endpoint = s.srv.Endpoint
	}
	format := s.format
	if format == nil {
		format = csvFormat("No flattening")
	}
	compression := s.compression
	if compression == "" {
		compression = "No Compression"
	}
	return map[string]any{
		"storage_type": "S3", "access_key_id": s.srv.AccessKey, "secret_access_key": s.srv.SecretKey,
		"s3_bucket_name": s.bucket, "s3_bucket_region": s3server.Region, "s3_endpoint": endpoint,
		"bucket_path": bucketPath, "format": format, "compression": map[string]any{"compression_type": compression},
	}
}

func csvFormat(flattening string) map[string]any {
	return map[string]any{"format_type": "CSV", "flattening": flattening}
}

func jsonlFormat() map[string]any { return map[string]any{"format_type": "JSONL"} }

// storedRow is one rejected record read back from the bucket. data maps each top-level field
// of the record's data to its text (see cellText); fields without a value are left out.
type storedRow struct {
	object                                                                string
	namespace, stream, number, extractedAt, rule, field, message, apiCode string
	data                                                                  map[string]string
}

// objectKeyPattern is the documented layout with the defaults: bucket_path, then
// {sync_id}/{namespace}/{stream_name}/ and {date}_{timestamp}_{part_number}{format_extension}.
var objectKeyPattern = regexp.MustCompile(`^` + bucketPath + `/([^/]+)/(?:([^/]+)/)?([^/]+)/(\d{4}_\d{2}_\d{2})_(\d{13})_(\d+)(\.csv|\.jsonl)(\.gz)?$`)

// objectKey is an object key split by objectKeyPattern.
type objectKey struct {
	syncID, namespace, stream, date string
	millis, part                    int64
	extension                       string
}

func parseObjectKey(t *testing.T, key string) (objectKey, bool) {
	t.Helper()
	m := objectKeyPattern.FindStringSubmatch(key)
	if !assert.NotNil(t, m, "object key %q follows the documented layout", key) {
		return objectKey{}, false
	}
	millis, _ := strconv.ParseInt(m[5], 10, 64)
	part, _ := strconv.ParseInt(m[6], 10, 64)
	return objectKey{syncID: m[1], namespace: m[2], stream: m[3], date: m[4], millis: millis, part: part, extension: m[7] + m[8]}, true
}

// readObjects returns every object of bucket, by key.
func readObjects(t *testing.T, srv *s3server.Server, bucket string) map[string][]byte {
	t.Helper()
	objects, err := srv.Objects(t.Context(), bucket)
	require.NoError(t, err, "read the bucket %s", bucket)
	return objects
}

// readRejected reads every object of bucket back as rows, checking each key's layout and
// that its content is what its extension says.
func readRejected(t *testing.T, srv *s3server.Server, bucket string) []storedRow {
	t.Helper()
	var rows []storedRow
	for key, body := range readObjects(t, srv, bucket) {
		k, ok := parseObjectKey(t, key)
		if !ok {
			continue
		}
		if strings.HasSuffix(k.extension, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			require.NoError(t, err, "object %s is GZIP", key)
			body, err = io.ReadAll(zr)
			require.NoError(t, err, "object %s is GZIP", key)
		}
		var got []storedRow
		if strings.HasPrefix(k.extension, ".csv") {
			got = parseCSV(t, key, body)
		} else {
			got = parseJSONL(t, key, body)
		}
		for i := range got {
			got[i].object = key
			assert.Equal(t, k.stream, got[i].stream, "object %s holds records of its stream", key)
			assert.Equal(t, k.namespace, got[i].namespace, "object %s holds records of its namespace", key)
		}
		rows = append(rows, got...)
	}
	return rows
}

// metadataColumns are the documented columns before the data.
var metadataColumns = []string{"_airbyte_stream_namespace", "_airbyte_stream", "_airbyte_record_number", "_airbyte_extracted_at",
	"_rejection_rule", "_rejection_field", "_rejection_message", "_rejection_api_code"}

func parseCSV(t *testing.T, key string, body []byte) []storedRow {
	t.Helper()
	all, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	require.NoError(t, err, "object %s is CSV", key)
	require.NotEmpty(t, all, "object %s has a header", key)
	header := all[0]
	require.GreaterOrEqual(t, len(header), len(metadataColumns)+1, "object %s: header %q", key, header)
	assert.Equal(t, metadataColumns, header[:len(metadataColumns)], "object %s starts with the metadata columns", key)
	flat := header[len(metadataColumns)] != "_airbyte_data"
	var rows []storedRow
	for _, rec := range all[1:] {
		row := storedRow{namespace: rec[0], stream: rec[1], number: rec[2], extractedAt: rec[3], rule: rec[4], field: rec[5], message: rec[6], apiCode: rec[7], data: map[string]string{}}
		if flat {
			for i, name := range header[len(metadataColumns):] {
				if v := rec[len(metadataColumns)+i]; v != "" {
					row.data[name] = v
				}
			}
		} else {
			row.data = cells(t, json.RawMessage(rec[len(metadataColumns)]))
		}
		rows = append(rows, row)
	}
	return rows
}

func parseJSONL(t *testing.T, key string, body []byte) []storedRow {
	t.Helper()
	var rows []storedRow
	for line := range bytes.Lines(body) {
		var obj map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(line, &obj), "object %s is JSONL: %s", key, line)
		text := func(col string) string {
			v, ok := obj[col]
			assert.True(t, ok, "object %s: a line has %s", key, col)
			delete(obj, col)
			return cellText(v)
		}
		row := storedRow{namespace: text(metadataColumns[0]), stream: text(metadataColumns[1]), number: text(metadataColumns[2]),
			extractedAt: text(metadataColumns[3]), rule: text(metadataColumns[4]), field: text(metadataColumns[5]),
			message: text(metadataColumns[6]), apiCode: text(metadataColumns[7])}
		if data, ok := obj["_airbyte_data"]; ok && len(obj) == 1 {
			row.data = cells(t, data)
		} else { // Root level flattening: the data's fields are the line's other keys
			raw, err := json.Marshal(obj)
			require.NoError(t, err)
			row.data = cells(t, raw)
		}
		rows = append(rows, row)
	}
	return rows
}

// cells maps each top-level field of a JSON object to its text, leaving out those without one.
func cells(t *testing.T, data json.RawMessage) map[string]string {
	t.Helper()
	var obj map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &obj), "the data is a JSON object: %s", data)
	out := map[string]string{}
	for k, v := range obj {
		if s := cellText(v); s != "" {
			out[k] = s
		}
	}
	return out
}

// cellText is a JSON value as the documented flattening writes it: a string as its text, null
// as empty, anything else as its compact JSON text.
func cellText(v json.RawMessage) string {
	var s string
	if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return s
	}
	if string(v) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, v) != nil {
		return string(v)
	}
	return buf.String()
}

// recordData returns the data of an input RECORD line.
func recordData(t *testing.T, line []byte) json.RawMessage {
	t.Helper()
	var msg struct {
		Record struct {
			Data json.RawMessage `json:"data"`
		} `json:"record"`
	}
	require.NoError(t, json.Unmarshal(line, &msg))
	return msg.Record.Data
}

// rowKey names a rejected record: its stream and its number in it.
func rowKey(streamKey string, number string) string { return streamKey + "#" + number }

// byRecord indexes rows by rowKey, failing on a record stored twice.
func byRecord(t *testing.T, rows []storedRow) map[string]storedRow {
	t.Helper()
	out := map[string]storedRow{}
	for _, r := range rows {
		k := rowKey(r.namespace+"."+r.stream, r.number)
		if prev, dup := out[k]; dup {
			assert.Failf(t, "a rejected record is stored twice", "%s in %s and %s", k, prev.object, r.object)
		}
		out[k] = r
	}
	return out
}

// refusedRecords returns the input's refused records, with their input index.
func refusedRecords(in *input) map[int]*inRecord {
	out := map[int]*inRecord{}
	for i, m := range in.msgs {
		if m.record != nil && m.record.refused {
			out[i] = m.record
		}
	}
	return out
}

// assertStoredRow checks one stored row against its input record: the stream, the record's
// number and time, a rule and message (with the API's code for the API's refusals, poisoned
// by the fake), and the original data.
func assertStoredRow(t *testing.T, in *input, index int, r *inRecord, row storedRow, poisoned bool) {
	t.Helper()
	what := fmt.Sprintf("record %s (stored in %s)", r.id, row.object)
	assert.Equal(t, r.stream.namespace, row.namespace, what)
	assert.Equal(t, r.stream.name, row.stream, what)
	assert.Equal(t, time.UnixMilli(in.now).UTC().Format("2006-01-02T15:04:05.000Z"), row.extractedAt, "%s: _airbyte_extracted_at is its emitted_at", what)
	assert.NotEmpty(t, row.rule, "%s has its rule", what)
	assert.NotEmpty(t, row.message, "%s has its message", what)
	if poisoned {
		assert.Equal(t, "poisoned_event", row.apiCode, "%s: the API's code", what)
		assert.Contains(t, row.message, "refused by the OpenAI API", what)
		assert.NotEmpty(t, row.field, "%s: the API names the field", what)
	} else {
		assert.Empty(t, row.apiCode, "%s: no API code for a rejection of ours", what)
	}
	assert.Equal(t, cells(t, recordData(t, in.msgs[index].line)), row.data, "%s keeps its original data", what)
}

// storedLogs maps each object key to the index, in r's messages, of the LOG that says it was
// stored.
func storedLogs(r *connectortest.Result) map[string]int {
	out := map[string]int{}
	for i, m := range r.Messages {
		if m.Log == nil || !strings.HasPrefix(m.Log.Message, "Rejected records: stored ") {
			continue
		}
		text := strings.TrimSuffix(m.Log.Message, ".")
		if at := strings.LastIndex(text, " in "); at >= 0 {
			out[text[at+len(" in "):]] = i
		}
	}
	return out
}

// assertStoredBeforeEchoed checks that every echoed state's rejected records are stored, and
// that the LOG of each one's object came before the state on stdout.
func assertStoredBeforeEchoed(t *testing.T, in *input, r *connectortest.Result, echoed []echoedState, stored map[string]storedRow) {
	t.Helper()
	logs := storedLogs(r)
	stateAt := map[int]int{} // input index of a state -> index of its echo in r.Messages
	for i, m := range r.Messages {
		if m.Type == "STATE" {
			if id := connectortest.Decode[struct{ ID int }](m.State); id != nil {
				stateAt[in.stateIndex(t, id.ID)] = i
			}
		}
	}
	for _, e := range echoed {
		for i, rec := range refusedRecords(in) {
			if i > e.index || (!e.in.global && rec.stream.key() != e.in.stream.key()) {
				continue
			}
			row, ok := stored[rowKey(rec.stream.key(), strconv.Itoa(rec.number))]
			if !assert.True(t, ok, "record %s, rejected before state %d, is stored once the state is echoed", rec.id, e.in.id) {
				continue
			}
			logAt, logged := logs[row.object]
			if assert.True(t, logged, "the object %s is logged", row.object) {
				assert.Less(t, logAt, stateAt[e.index], "the LOG of %s (holding %s) comes before state %d", row.object, rec.id, e.in.id)
			}
		}
	}
}

// partNumbers checks that each stream's part numbers run from 0 without a gap, one object each.
func assertPartNumbers(t *testing.T, rows []storedRow) {
	t.Helper()
	objects := map[string]bool{}
	for _, r := range rows {
		objects[r.object] = true
	}
	parts := map[string][]int64{}
	for key := range objects {
		if k, ok := parseObjectKey(t, key); ok {
			parts[k.namespace+"/"+k.stream] = append(parts[k.namespace+"/"+k.stream], k.part)
		}
	}
	for stream, numbers := range parts {
		slices.Sort(numbers)
		for i, n := range numbers {
			assert.Equal(t, int64(i), n, "stream %s: part numbers from 0 without a gap: %v", stream, numbers)
		}
	}
}
