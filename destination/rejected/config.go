package rejected

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/redact"
)

// Storage types of object_storage_config.
const (
	StorageNone = "None"
	StorageS3   = "S3"
)

// Format and compression names, as the bulk CDK spells them.
const (
	FormatCSV             = "CSV"
	FormatJSONL           = "JSONL"
	NoFlattening          = "No flattening"
	RootLevelFlattening   = "Root level flattening"
	CompressionNone       = "No Compression"
	CompressionGZIP       = "GZIP"
	DefaultPathFormat     = "{sync_id}/{namespace}/{stream_name}/"
	DefaultFileNameFormat = "{date}_{timestamp}_{part_number}{format_extension}"
)

// StorageConfig is object_storage_config: where rejected records are stored. Its zero value
// (and a configuration without the field) is storage type None: rejected records are only
// counted and logged.
type StorageConfig struct {
	StorageType string // StorageNone or StorageS3; "" means StorageNone
	S3          S3Config
}

// Enabled tells whether rejected records are stored.
func (c StorageConfig) Enabled() bool { return c.StorageType == StorageS3 }

// S3Config is the S3 choice of object_storage_config, with the bulk CDK's field names.
type S3Config struct {
	StorageType     string        `json:"storage_type"`
	AccessKeyID     redact.Secret `json:"access_key_id,omitempty"`
	SecretAccessKey redact.Secret `json:"secret_access_key,omitempty"`
	RoleARN         string        `json:"role_arn,omitempty"`
	BucketName      string        `json:"s3_bucket_name"`
	BucketRegion    string        `json:"s3_bucket_region"`
	Endpoint        string        `json:"s3_endpoint,omitempty"`
	BucketPath      string        `json:"bucket_path"`
	Format          FormatConfig  `json:"format"`
	Compression     Compression   `json:"compression"`
	PathFormat      string        `json:"path_format,omitempty"`
	FileNameFormat  string        `json:"file_name_format,omitempty"`
}

// FormatConfig is the output format: CSV (with its flattening) or JSONL.
type FormatConfig struct {
	FormatType string `json:"format_type"`
	Flattening string `json:"flattening,omitempty"`
}

// Compression is the objects' compression: CompressionNone or CompressionGZIP.
type Compression struct {
	CompressionType string `json:"compression_type"`
}

// UnmarshalJSON decodes either choice of the oneOf, chosen by storage_type, refusing unknown
// fields; the S3 choice gets the bulk CDK's defaults for what it leaves out.
func (c *StorageConfig) UnmarshalJSON(data []byte) error {
	var head struct {
		StorageType string `json:"storage_type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return errors.New("must be an object with storage_type None or S3")
	}
	switch head.StorageType {
	case StorageNone, "":
		*c = StorageConfig{StorageType: StorageNone}
		return nil
	case StorageS3:
	default:
		return fmt.Errorf("storage_type must be None or S3, not %q", head.StorageType)
	}
	s3 := S3Config{
		Format:         FormatConfig{FormatType: FormatCSV, Flattening: NoFlattening},
		Compression:    Compression{CompressionType: CompressionNone},
		PathFormat:     DefaultPathFormat,
		FileNameFormat: DefaultFileNameFormat,
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s3); err != nil {
		return s3DecodeError(err)
	}
	*c = StorageConfig{StorageType: StorageS3, S3: s3}
	return nil
}

// s3DecodeError words a decoding problem of the S3 choice without quoting any value.
func s3DecodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Errorf("%s must be %s", typeErr.Field, typeWords(typeErr.Field))
	case strings.Contains(err.Error(), "unknown field"):
		_, name, _ := strings.Cut(err.Error(), "unknown field ")
		return fmt.Errorf("has an unknown field %s (check its spelling)", name)
	default:
		return errors.New("must be an object with the fields of the S3 choice")
	}
}

func typeWords(field string) string {
	switch field {
	case "format":
		return `an object such as {"format_type": "CSV", "flattening": "No flattening"}`
	case "compression":
		return `an object such as {"compression_type": "GZIP"}`
	default:
		return "a string"
	}
}

// MarshalJSON writes the configuration back (secrets redacted), as the platform sent it.
func (c StorageConfig) MarshalJSON() ([]byte, error) {
	if !c.Enabled() {
		return []byte(`{"storage_type":"None"}`), nil
	}
	s3 := c.S3
	s3.StorageType = StorageS3
	return json.Marshal(s3)
}

// Extension returns the objects' file extension without its dot: csv, jsonl, csv.gz or jsonl.gz.
func (c S3Config) Extension() string {
	ext := "csv"
	if c.Format.FormatType == FormatJSONL {
		ext = "jsonl"
	}
	if c.Compression.CompressionType == CompressionGZIP {
		ext += ".gz"
	}
	return ext
}

// Secrets returns the values that must never appear in output: the access key ID and the
// secret access key.
func (c StorageConfig) Secrets() []string {
	var out []string
	for _, s := range []redact.Secret{c.S3.AccessKeyID, c.S3.SecretAccessKey} {
		if s != "" {
			out = append(out, s.Reveal())
		}
	}
	return out
}

// Where returns where rejected records go, s3://bucket/bucket_path, or "" for None.
func (c StorageConfig) Where() string {
	if !c.Enabled() {
		return ""
	}
	return "s3://" + c.S3.BucketName + "/" + strings.TrimLeft(c.S3.BucketPath, "/")
}
