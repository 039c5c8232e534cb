package rejected

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"time"
)

// encodePart writes the records of one part in the configured format and compression.
func encodePart(cfg S3Config, records []Record) ([]byte, error) {
	var buf bytes.Buffer
	var out io.Writer = &buf
	var zw *gzip.Writer
	if cfg.Compression.CompressionType == CompressionGZIP {
		zw = gzip.NewWriter(&buf)
		out = zw
	}
	flatten := cfg.Format.Flattening == RootLevelFlattening
	var err error
	if cfg.Format.FormatType == FormatJSONL {
		err = writeJSONL(out, records, flatten)
	} else {
		err = writeCSV(out, records, flatten)
	}
	if err != nil {
		return nil, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// metadata returns a record's metadata values, in the order of MetadataColumns.
func metadata(r *Record) [8]string {
	return [8]string{r.Namespace, r.Stream, strconv.FormatInt(r.RecordNumber, 10),
		time.UnixMilli(r.EmittedAt).UTC().Format("2006-01-02T15:04:05.000Z"), r.Rule, r.FieldPath, r.Message, r.APICode}
}

func writeCSV(out io.Writer, records []Record, flatten bool) error {
	w := csv.NewWriter(out)
	var fields []string
	header := append([]string(nil), MetadataColumns...)
	if flatten {
		fields = topLevelFields(records)
		header = append(header, fields...)
	} else {
		header = append(header, ColData)
	}
	if err := w.Write(header); err != nil {
		return err
	}
	row := make([]string, 0, len(header))
	for i := range records {
		r := &records[i]
		meta := metadata(r)
		row = append(row[:0], meta[:]...)
		if flatten {
			row = appendFlatValues(row, r.Data, fields)
		} else {
			row = append(row, string(r.Data))
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// topLevelFields returns the top-level field names of the records' data, sorted.
func topLevelFields(records []Record) []string {
	seen := map[string]bool{}
	for i := range records {
		var obj map[string]json.RawMessage
		if json.Unmarshal(records[i].Data, &obj) == nil {
			for k := range obj {
				seen[k] = true
			}
		}
	}
	fields := make([]string, 0, len(seen))
	for k := range seen {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	return fields
}

// appendFlatValues appends one CSV value per field: a string as its text, null or a missing
// field as empty, anything else as its JSON text. Data that is not an object leaves every
// field empty.
func appendFlatValues(row []string, data json.RawMessage, fields []string) []string {
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(data, &obj) // not an object: every field stays empty
	for _, f := range fields {
		v := obj[f]
		var s string
		switch {
		case len(v) == 0 || string(v) == "null":
		case v[0] == '"' && json.Unmarshal(v, &s) == nil:
		default:
			s = string(v)
		}
		row = append(row, s)
	}
	return row
}

// jsonLine is one line of a JSONL object with No flattening.
type jsonLine struct {
	Namespace    string          `json:"_airbyte_stream_namespace"`
	Stream       string          `json:"_airbyte_stream"`
	RecordNumber int64           `json:"_airbyte_record_number"`
	ExtractedAt  string          `json:"_airbyte_extracted_at"`
	Rule         string          `json:"_rejection_rule"`
	FieldPath    string          `json:"_rejection_field"`
	Message      string          `json:"_rejection_message"`
	APICode      string          `json:"_rejection_api_code"`
	Data         json.RawMessage `json:"_airbyte_data,omitempty"`
}

func writeJSONL(out io.Writer, records []Record, flatten bool) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for i := range records {
		r := &records[i]
		line := jsonLine{Namespace: r.Namespace, Stream: r.Stream, RecordNumber: r.RecordNumber,
			ExtractedAt: metadata(r)[3], Rule: r.Rule, FieldPath: r.FieldPath, Message: r.Message, APICode: r.APICode, Data: r.Data}
		var err error
		if flatten {
			err = enc.Encode(flatLine(line))
		} else {
			if !json.Valid(line.Data) {
				line.Data = nil
			}
			err = enc.Encode(line)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// flatLine puts the top-level fields of the data next to the metadata (Root level
// flattening); the metadata wins when a field has the same name.
func flatLine(line jsonLine) map[string]any {
	out := map[string]any{}
	var obj map[string]json.RawMessage
	if json.Unmarshal(line.Data, &obj) == nil {
		for k, v := range obj {
			out[k] = v
		}
	}
	meta := metadata(&Record{Namespace: line.Namespace, Stream: line.Stream, RecordNumber: line.RecordNumber, Rule: line.Rule, FieldPath: line.FieldPath, Message: line.Message, APICode: line.APICode})
	for i, col := range MetadataColumns {
		out[col] = meta[i]
	}
	out[ColRecordNumber] = line.RecordNumber
	out[ColExtractedAt] = line.ExtractedAt
	return out
}
