package rejected

import (
	"encoding/json"
)

// Record is one rejected record, with why it was refused.
type Record struct {
	Namespace    string          // the stream's namespace; "" when it has none
	Stream       string          // the stream's name
	RecordNumber int64           // the record's position in its stream, 1-based, as the logs count
	Rule         string          // the rule that refused it, such as missing_field or api_refused
	FieldPath    string          // the field the rule is about, such as data.email; "" for the whole record
	Message      string          // why, in words (never quoting the record's values)
	APICode      string          // for the API's refusals, the API's error code; "" otherwise
	EmittedAt    int64           // the record's emitted_at, in milliseconds since the epoch
	Data         json.RawMessage // the record's data as the platform sent it
}

// size is what a record counts for against the bounds of a part and of the buffer.
func (r *Record) size() int64 {
	return int64(len(r.Data) + len(r.Namespace) + len(r.Stream) + len(r.Rule) + len(r.FieldPath) + len(r.Message) + len(r.APICode) + 64)
}

// The metadata columns of CSV objects (and keys of JSONL lines), in their order. The data
// follows: one column _airbyte_data with the data as JSON text (No flattening), or one column
// per top-level field of the part's records, sorted by name (Root level flattening).
const (
	ColNamespace    = "_airbyte_stream_namespace"
	ColStream       = "_airbyte_stream"
	ColRecordNumber = "_airbyte_record_number"
	ColExtractedAt  = "_airbyte_extracted_at"
	ColRule         = "_rejection_rule"
	ColFieldPath    = "_rejection_field"
	ColMessage      = "_rejection_message"
	ColAPICode      = "_rejection_api_code"
	ColData         = "_airbyte_data"
)

// MetadataColumns are the columns every object has before the record's data.
var MetadataColumns = []string{ColNamespace, ColStream, ColRecordNumber, ColExtractedAt, ColRule, ColFieldPath, ColMessage, ColAPICode}
