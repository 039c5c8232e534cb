package destination

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/rejected"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// storageField is the configuration field of the rejected-records store.
const storageField = "object_storage_config"

// normaliseStorage trims what users paste with stray spaces.
func normaliseStorage(c *rejected.StorageConfig) {
	if !c.Enabled() {
		*c = rejected.StorageConfig{StorageType: rejected.StorageNone}
		return
	}
	s := &c.S3
	s.AccessKeyID = Secret(strings.TrimSpace(s.AccessKeyID.Reveal()))
	s.SecretAccessKey = Secret(strings.TrimSpace(s.SecretAccessKey.Reveal()))
	s.RoleARN = strings.TrimSpace(s.RoleARN)
	s.BucketName = strings.TrimSpace(s.BucketName)
	s.BucketRegion = strings.TrimSpace(s.BucketRegion)
	s.Endpoint = strings.TrimRight(strings.TrimSpace(s.Endpoint), "/")
	s.BucketPath = strings.TrimSpace(s.BucketPath)
}

// validateStorage reports every problem of object_storage_config, each a *FieldError such
// as object_storage_config.s3_bucket_name.
func validateStorage(c rejected.StorageConfig) []error {
	if !c.Enabled() {
		return nil
	}
	s := c.S3
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, &FieldError{Field: storageField + "." + field, Err: err})
		}
	}
	add("s3_bucket_name", validateBucketName(s.BucketName))
	add("s3_bucket_region", validateRegion(s.BucketRegion, s.Endpoint != ""))
	if s.Endpoint != "" {
		add("s3_endpoint", validateHostURL(s.Endpoint, "https://s3.example.com", "the bucket goes in S3 Bucket Name"))
	}
	if (s.AccessKeyID == "") != (s.SecretAccessKey == "") {
		add("secret_access_key", errors.New("and access_key_id go together: give both, or neither to use the environment's credentials or a role"))
	}
	if s.RoleARN != "" && !roleARNPattern.MatchString(s.RoleARN) {
		add("role_arn", errors.New("must be a role ARN such as arn:aws:iam::123456789012:role/name"))
	}
	add("bucket_path", validateObjectPath(s.BucketPath))
	add("format.format_type", oneOf(s.Format.FormatType, rejected.FormatCSV, rejected.FormatJSONL))
	add("format.flattening", oneOf(s.Format.Flattening, rejected.NoFlattening, rejected.RootLevelFlattening))
	add("compression.compression_type", oneOf(s.Compression.CompressionType, rejected.CompressionNone, rejected.CompressionGZIP))
	add("path_format", errors.Join(validateObjectPath(s.PathFormat), rejected.CheckFormat(s.PathFormat)))
	add("file_name_format", errors.Join(validateObjectPath(s.FileNameFormat), rejected.CheckFormat(s.FileNameFormat), required(s.FileNameFormat)))
	return errs
}

var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/\S+$`)

// bucketNamePattern is S3's rule for bucket names, widened to the upper case and underscores
// that buckets of S3-compatible stores (and old buckets of us-east-1) may have.
var bucketNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$`)

func validateBucketName(name string) error {
	switch {
	case name == "":
		return errors.New("is required")
	case !bucketNamePattern.MatchString(name):
		return errors.New("must be a bucket name: 3 to 63 letters, digits, dots, hyphens or underscores, starting and ending with a letter or digit (without s3:// or a path; the path goes in bucket_path)")
	case strings.Contains(name, ".."):
		return errors.New("must not contain two dots in a row")
	case net.ParseIP(name) != nil:
		return errors.New("must not be an IP address")
	}
	return nil
}

// validateRegion accepts the regions of the form; with a custom endpoint (an S3-compatible
// store) any name without spaces.
func validateRegion(region string, customEndpoint bool) error {
	switch {
	case slices.Contains(rejected.Regions, region):
		return nil
	case customEndpoint && !strings.ContainsAny(region, " \t\r\n/"):
		return nil
	}
	return fmt.Errorf("must be an AWS region such as us-east-1 or eu-west-1 (or empty for %s)", "us-east-1")
}

// validateObjectPath refuses control characters and ".." segments in what becomes object keys.
func validateObjectPath(p string) error {
	switch {
	case strings.IndexFunc(p, func(r rune) bool { return isControl(r) }) >= 0:
		return errors.New("must not contain control characters")
	case slices.Contains(strings.Split(p, "/"), ".."):
		return errors.New(`must not contain a ".." segment`)
	}
	return nil
}

func oneOf(v string, allowed ...string) error {
	if !slices.Contains(allowed, v) {
		return fmt.Errorf("must be one of %q", allowed)
	}
	return nil
}

func required(v string) error {
	if v == "" {
		return errors.New("is required")
	}
	return nil
}

// redactSecrets tells w every secret of cfg: the API key and the store's keys.
func redactSecrets(w *protocol.Writer, cfg *Config) {
	w.Redact(cfg.APIKey.Reveal())
	for _, s := range cfg.ObjectStorage.Secrets() {
		w.Redact(s)
	}
}
