package destination

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/rejected"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

const (
	testAccessKey = "AKIAIOSFODNN7EXAMPLE"
	testSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// storageJSON is an S3 object_storage_config with fields changed or added.
func storageJSON(change map[string]any) string {
	s := map[string]any{"storage_type": "S3", "access_key_id": testAccessKey, "secret_access_key": testSecretKey,
		"s3_bucket_name": "rejected-records", "s3_bucket_region": "eu-west-1", "bucket_path": "openai-ads/"}
	for k, v := range change {
		if v == nil {
			delete(s, k)
			continue
		}
		s[k] = v
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func parseWithStorage(storage string) (*Config, error) {
	return ParseConfig([]byte(`{"api_key":"sk-config-test-0123456789","object_storage_config":` + storage + `}`))
}

func TestObjectStorageConfigIsNoneUnlessSet(t *testing.T) {
	for _, storage := range []string{"", `,"object_storage_config":null`, `,"object_storage_config":{"storage_type":"None"}`} {
		c, err := ParseConfig([]byte(`{"api_key":"sk-config-test-0123456789"` + storage + `}`))
		require.NoError(t, err, storage)
		assert.False(t, c.ObjectStorage.Enabled(), storage)
		assert.Equal(t, rejected.StorageNone, c.ObjectStorage.StorageType)
	}
}

func TestObjectStorageConfigS3(t *testing.T) {
	c, err := parseWithStorage(storageJSON(map[string]any{"s3_bucket_name": " rejected-records ", "s3_endpoint": "http://127.0.0.1:9000/"}))
	require.NoError(t, err)
	s := c.ObjectStorage.S3
	assert.Equal(t, "rejected-records", s.BucketName)
	assert.Equal(t, "http://127.0.0.1:9000", s.Endpoint)
	assert.Equal(t, rejected.FormatCSV, s.Format.FormatType, "CSV by default, as the CDK")
	assert.Equal(t, rejected.DefaultPathFormat, s.PathFormat)
	assert.Equal(t, "s3://rejected-records/openai-ads/", c.ObjectStorage.Where())
}

func TestObjectStorageConfigProblemsNameTheirField(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]any
		field  string
		words  string
	}{
		{"no bucket", map[string]any{"s3_bucket_name": nil}, "s3_bucket_name", "is required"},
		{"a bucket with a path", map[string]any{"s3_bucket_name": "s3://bucket/path"}, "s3_bucket_name", "must be a bucket name"},
		{"a bucket of two letters", map[string]any{"s3_bucket_name": "ab"}, "s3_bucket_name", "must be a bucket name"},
		{"a bucket that is an address", map[string]any{"s3_bucket_name": "10.0.0.1"}, "s3_bucket_name", "IP address"},
		{"an unknown region", map[string]any{"s3_bucket_region": "mars-1"}, "s3_bucket_region", "AWS region"},
		{"an endpoint over http", map[string]any{"s3_endpoint": "http://minio.example.com"}, "s3_endpoint", "must use https://"},
		{"an endpoint with a path", map[string]any{"s3_endpoint": "https://s3.example.com/bucket"}, "s3_endpoint", "must not contain a path"},
		{"an endpoint with a password", map[string]any{"s3_endpoint": "https://u:p@s3.example.com"}, "s3_endpoint", "user name or password"},
		{"a key without its secret", map[string]any{"secret_access_key": nil}, "secret_access_key", "give both"},
		{"a role that is no ARN", map[string]any{"role_arn": "admin"}, "role_arn", "role ARN"},
		{"an unknown format", map[string]any{"format": map[string]any{"format_type": "Parquet"}}, "format.format_type", "must be one of"},
		{"an unknown flattening", map[string]any{"format": map[string]any{"format_type": "CSV", "flattening": "deep"}}, "format.flattening", "must be one of"},
		{"an unknown compression", map[string]any{"compression": map[string]any{"compression_type": "ZSTD"}}, "compression.compression_type", "must be one of"},
		{"a misspelt variable", map[string]any{"path_format": "{stream}/"}, "path_format", "not a variable"},
		{"a path going up", map[string]any{"bucket_path": "a/../b"}, "bucket_path", `".."`},
		{"no file name", map[string]any{"file_name_format": ""}, "file_name_format", "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWithStorage(storageJSON(tt.change))
			require.Error(t, err)
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "a FieldError: %v", err)
			assert.Equal(t, "object_storage_config."+tt.field, fe.Field)
			assert.Contains(t, err.Error(), tt.words)
			assert.NotContains(t, err.Error(), testSecretKey[:10])
		})
	}
	t.Run("a region of an S3-compatible store", func(t *testing.T) {
		_, err := parseWithStorage(storageJSON(map[string]any{"s3_endpoint": "https://s3.example.com", "s3_bucket_region": "garage"}))
		assert.NoError(t, err)
	})
	t.Run("a choice that does not decode", func(t *testing.T) {
		_, err := parseWithStorage(`{"storage_type":"S3","s3_bucket":"x"}`)
		assert.ErrorContains(t, err, `object_storage_config: has an unknown field "s3_bucket"`)
	})
}

func TestObjectStorageSecretsNeverShow(t *testing.T) {
	c, err := parseWithStorage(storageJSON(nil))
	require.NoError(t, err)
	for _, text := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c.ObjectStorage)} {
		assert.NotContains(t, text, testSecretKey[:10])
		assert.NotContains(t, text, testAccessKey[:10])
	}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.NotContains(t, string(b), testSecretKey[:10])
}

func TestCheckFailsWhenTheBucketCannotBeReached(t *testing.T) {
	api := newCheckAPI(t, checkSetup{})
	cfg := fakeConfig(api.URL, map[string]any{"default_pixel_id": "p1"})
	var storage map[string]any
	require.NoError(t, json.Unmarshal([]byte(storageJSON(map[string]any{"s3_endpoint": connectortest.ClosedURL(t)})), &storage))
	cfg["object_storage_config"] = storage
	path := writeConfigFile(t, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	res := runCommand(t, ctx, checkNow, "check", "--config", path)

	assertCheckVerdict(t, res, checkWant{status: protocol.StatusFailed, failure: protocol.ConfigError,
		words: []string{`bucket "rejected-records"`, "cannot be reached", "S3 Endpoint"}})
	assert.NotContains(t, res.Stdout, testSecretKey[:10])
	assert.NotContains(t, res.Stdout, testAccessKey[:10])
}
