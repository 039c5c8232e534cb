package rejected

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSchemaMatchesTheBulkCDK checks object_storage_config against the bulk CDK's spec, as
// destination-customer-io's expected-spec-oss.json shows it.
func TestSchemaMatchesTheBulkCDK(t *testing.T) {
	b, err := json.Marshal(StorageConfig{}.JSONSchema())
	require.NoError(t, err)
	var s struct {
		Title string
		OneOf []struct {
			Title      string
			Required   []string
			Properties map[string]map[string]any
		}
	}
	require.NoError(t, json.Unmarshal(b, &s))
	assert.Equal(t, "Object Storage Spec", s.Title)
	require.Len(t, s.OneOf, 2)
	assert.Equal(t, "None", s.OneOf[0].Title)
	assert.Equal(t, []any{"None"}, s.OneOf[0].Properties["storage_type"]["enum"])
	assert.Equal(t, "None", s.OneOf[0].Properties["storage_type"]["default"])

	s3 := s.OneOf[1]
	assert.Equal(t, "S3", s3.Title)
	assert.Equal(t, []string{"storage_type", "s3_bucket_name", "s3_bucket_region", "bucket_path", "format"}, s3.Required)
	want := []struct {
		field, title   string
		order          any
		secret, hidden bool
		def            any
	}{
		{"storage_type", "", nil, false, false, "S3"},
		{"access_key_id", "Access Key ID", 1.0, true, false, nil},
		{"secret_access_key", "Secret Access Key", 2.0, true, false, nil},
		{"role_arn", "Role ARN", 3.0, false, false, nil},
		{"s3_bucket_name", "S3 Bucket Name", 4.0, false, false, nil},
		{"s3_bucket_region", "S3 Bucket Region", 5.0, false, false, ""},
		{"s3_endpoint", "S3 Endpoint", 6.0, false, false, nil},
		{"bucket_path", "Prefix Path in the Bucket", 7.0, false, false, nil},
		{"format", "Output Format", 8.0, false, true, "CSV"},
		{"compression", "Compression", nil, false, true, nil},
		{"path_format", "", 10.0, false, true, "{sync_id}/{namespace}/{stream_name}/"},
		{"file_name_format", "", 11.0, false, true, "{date}_{timestamp}_{part_number}{format_extension}"},
	}
	assert.Len(t, s3.Properties, len(want))
	for _, w := range want {
		t.Run(w.field, func(t *testing.T) {
			p := s3.Properties[w.field]
			require.NotNil(t, p)
			assert.Equal(t, w.title, orEmpty(p["title"]))
			assert.Equal(t, w.order, p["order"])
			assert.Equal(t, w.secret, p["airbyte_secret"] == true)
			assert.Equal(t, w.secret, p["always_show"] == true)
			assert.Equal(t, w.hidden, p["airbyte_hidden"] == true)
			assert.Equal(t, w.def, p["default"])
		})
	}
	assert.Len(t, s3.Properties["s3_bucket_region"]["enum"], 34)
	format := s3.Properties["format"]["oneOf"].([]any)
	require.Len(t, format, 2)
	assert.Equal(t, "CSV: Comma-Separated Values", format[0].(map[string]any)["title"])
	assert.Equal(t, "JSON Lines: Newline-delimited JSON", format[1].(map[string]any)["title"])
	compression := s3.Properties["compression"]["oneOf"].([]any)
	require.Len(t, compression, 2)
	assert.Equal(t, "No Compression", compression[0].(map[string]any)["title"])
	assert.Equal(t, "GZIP", compression[1].(map[string]any)["title"])
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func TestConfigDecodesBothChoices(t *testing.T) {
	tests := []struct {
		name, json string
		want       StorageConfig
		wantErr    string
	}{
		{"None", `{"storage_type":"None"}`, StorageConfig{StorageType: StorageNone}, ""},
		{"S3 with the CDK's defaults", `{"storage_type":"S3","s3_bucket_name":"b","s3_bucket_region":"","bucket_path":"p"}`,
			StorageConfig{StorageType: StorageS3, S3: S3Config{StorageType: StorageS3, BucketName: "b", BucketPath: "p",
				Format: FormatConfig{FormatType: FormatCSV, Flattening: NoFlattening}, Compression: Compression{CompressionType: CompressionNone},
				PathFormat: DefaultPathFormat, FileNameFormat: DefaultFileNameFormat}}, ""},
		{"an unknown storage type", `{"storage_type":"GCS"}`, StorageConfig{}, `storage_type must be None or S3, not "GCS"`},
		{"an unknown field", `{"storage_type":"S3","bucket":"b"}`, StorageConfig{}, `has an unknown field "bucket"`},
		{"a field of the wrong type", `{"storage_type":"S3","format":"CSV"}`, StorageConfig{}, "format must be an object"},
		{"not an object", `"S3"`, StorageConfig{}, "must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got StorageConfig
			err := json.Unmarshal([]byte(tt.json), &got)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSecretsNeverShowThemselves(t *testing.T) {
	cfg := StorageConfig{StorageType: StorageS3, S3: S3Config{AccessKeyID: "AKIAEXAMPLEKEY123456", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "AKIAEXAMPLE")
	assert.NotContains(t, string(b), "wJalrXUtn")
	assert.ElementsMatch(t, []string{"AKIAEXAMPLEKEY123456", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, cfg.Secrets())
	err = classify("b", errors.New("signature for wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY is wrong"), cfg.Secrets())
	assert.NotContains(t, err.Error(), "wJalrXUtn")
}
