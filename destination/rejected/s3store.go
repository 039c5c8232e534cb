package rejected

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// objectStore is what the writer needs of a bucket.
type objectStore interface {
	exists(ctx context.Context) error // nil when the bucket exists and may be read
	put(ctx context.Context, key string, body []byte) error
	remove(ctx context.Context, key string) error
}

// s3Store writes to one S3 bucket.
type s3Store struct {
	bucket   string
	client   *s3.Client
	uploader *transfermanager.Client
	secrets  []string
}

// defaultRegion is used when s3_bucket_region is empty.
const defaultRegion = "us-east-1"

// newS3Store builds the S3 client: static keys when given (else the environment's
// credentials), the role assumed through STS when role_arn is set, path-style addressing for
// a custom endpoint, and the SDK's retry with backoff bounded by opts.
func newS3Store(ctx context.Context, cfg S3Config, opts Options) (*s3Store, error) {
	region := cfg.BucketRegion
	if region == "" {
		region = defaultRegion
	}
	load := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = opts.Attempts
				o.MaxBackoff = opts.MaxBackoff
				o.RateLimiter = ratelimit.None
			})
		}),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(opts.RequestTimeout)),
	}
	if cfg.AccessKeyID != "" {
		load = append(load, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			cfg.AccessKeyID.Reveal(), cfg.SecretAccessKey.Reveal(), "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, err
	}
	if cfg.RoleARN != "" {
		awsCfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(awsCfg), cfg.RoleARN))
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(strings.TrimRight(cfg.Endpoint, "/"))
			o.UsePathStyle = true
			// S3-compatible stores do not all take the SDK's default trailing checksums.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &s3Store{bucket: cfg.BucketName, client: client, uploader: transfermanager.New(client), secrets: StorageConfig{S3: cfg}.Secrets()}, nil
}

func (s *s3Store) put(ctx context.Context, key string, body []byte) error {
	_, err := s.uploader.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	})
	return classify(s.bucket, err, s.secrets)
}

func (s *s3Store) exists(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)})
	return classify(s.bucket, err, s.secrets)
}

func (s *s3Store) remove(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	return classify(s.bucket, err, s.secrets)
}

// Defaults of Options.
const (
	DefaultPartBytes      = 4 << 20
	DefaultPartAge        = 30 * time.Second
	DefaultMaxBuffered    = 32 << 20
	DefaultUploads        = 4
	DefaultAttempts       = 5
	DefaultMaxBackoff     = 5 * time.Second
	DefaultRequestTimeout = 60 * time.Second
)
