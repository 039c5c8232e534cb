package rejected

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleRecords() []Record {
	at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	return []Record{
		{Namespace: "shop", Stream: "orders", RecordNumber: 7, Rule: "missing_field", FieldPath: "data.email", Message: "email is required",
			EmittedAt: at.UnixMilli(), Data: json.RawMessage(`{"order_id":"A-1","value":12.5,"items":[1,2],"note":"a, \"quoted\"\nline"}`)},
		{Namespace: "shop", Stream: "orders", RecordNumber: 9, Rule: "api_refused", FieldPath: "events[0].value", Message: "value must be positive",
			APICode: "invalid_value", EmittedAt: at.UnixMilli(), Data: json.RawMessage(`{"order_id":"A-2","email":null,"value":-1}`)},
	}
}

func TestPartsEncodeInEveryFormat(t *testing.T) {
	recs := sampleRecords()
	extracted := time.UnixMilli(recs[0].EmittedAt).UTC().Format("2006-01-02T15:04:05.000Z")
	tests := []struct {
		name, format, flattening, compression string
		check                                 func(t *testing.T, rows []map[string]string)
	}{
		{"CSV, data as JSON text", FormatCSV, NoFlattening, CompressionNone, func(t *testing.T, rows []map[string]string) {
			assert.JSONEq(t, string(recs[0].Data), rows[0][ColData])
			assert.NotContains(t, rows[0], "order_id")
		}},
		{"CSV, root level flattening", FormatCSV, RootLevelFlattening, CompressionGZIP, func(t *testing.T, rows []map[string]string) {
			assert.Equal(t, "A-1", rows[0]["order_id"])
			assert.Equal(t, "12.5", rows[0]["value"])
			assert.Equal(t, "[1,2]", rows[0]["items"])
			assert.Equal(t, "a, \"quoted\"\nline", rows[0]["note"])
			assert.Equal(t, "", rows[0]["email"], "a field another record has is an empty column")
			assert.Equal(t, "", rows[1]["email"], "null is empty")
		}},
		{"JSONL", FormatJSONL, NoFlattening, CompressionGZIP, func(t *testing.T, rows []map[string]string) {
			assert.JSONEq(t, string(recs[1].Data), rows[1][ColData])
		}},
		{"JSONL, root level flattening", FormatJSONL, RootLevelFlattening, CompressionNone, func(t *testing.T, rows []map[string]string) {
			assert.Equal(t, "A-2", rows[1]["order_id"])
			assert.Equal(t, "-1", rows[1]["value"])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(tt.format, tt.flattening, tt.compression).S3
			body, err := encodePart(cfg, recs)
			require.NoError(t, err)
			rows := readRows(t, "x."+cfg.Extension(), body)
			require.Len(t, rows, 2)
			assert.Equal(t, "shop", rows[0][ColNamespace])
			assert.Equal(t, "orders", rows[0][ColStream])
			assert.Equal(t, "7", rows[0][ColRecordNumber])
			assert.Equal(t, extracted, rows[0][ColExtractedAt])
			assert.Equal(t, "missing_field", rows[0][ColRule])
			assert.Equal(t, "data.email", rows[0][ColFieldPath])
			assert.Equal(t, "email is required", rows[0][ColMessage])
			assert.Equal(t, "", rows[0][ColAPICode])
			assert.Equal(t, "invalid_value", rows[1][ColAPICode])
			tt.check(t, rows)
		})
	}
}
