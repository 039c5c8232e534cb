package rejected

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// Cause is why a bucket cannot be written.
type Cause string

// The causes a StoreError names.
const (
	CauseNoSuchBucket   Cause = "the bucket does not exist"
	CauseAccessDenied   Cause = "access denied"
	CauseBadCredentials Cause = "the access key or the secret is wrong"
	CauseWrongRegion    Cause = "the bucket is in another region"
	CauseUnreachable    Cause = "the endpoint cannot be reached"
	CauseOther          Cause = "the store refused the write"
)

// advice tells the user what to do about a cause.
var advice = map[Cause]string{
	CauseNoSuchBucket:   "create the bucket or correct S3 Bucket Name",
	CauseAccessDenied:   "give the key (or role) s3:PutObject and s3:DeleteObject on the bucket and prefix",
	CauseBadCredentials: "copy the Access Key ID and Secret Access Key again",
	CauseWrongRegion:    "set S3 Bucket Region to the bucket's region",
	CauseUnreachable:    "check S3 Endpoint and the network",
	CauseOther:          "check the bucket's settings",
}

// StoreError tells that the bucket of rejected records cannot be written, and why. Its text
// names the bucket and the cause and never holds the access key or the secret.
type StoreError struct {
	Bucket string
	Cause  Cause
	Err    error // the client's error, secrets removed
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("cannot write rejected records to bucket %q: %s (%v); %s", e.Bucket, e.Cause, e.Err, advice[e.Cause])
}

func (e *StoreError) Unwrap() error { return e.Err }

// classify turns a client error into a StoreError, or returns it as it is when the context
// ended (that is no fault of the bucket).
func classify(bucket string, err error, secrets []string) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return &StoreError{Bucket: bucket, Cause: causeOf(err), Err: scrubbed{text: scrub(err.Error(), secrets), err: err}}
}

// causeOf reads the S3 error code, the HTTP status, or the network error.
func causeOf(err error) Cause {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchBucket", "NotFound":
			return CauseNoSuchBucket
		case "AccessDenied", "AllAccessDisabled", "AccountProblem":
			return CauseAccessDenied
		case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "InvalidClientTokenId":
			return CauseBadCredentials
		case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException", "IncorrectEndpoint":
			return CauseWrongRegion
		}
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		switch respErr.HTTPStatusCode() {
		case 301, 307:
			return CauseWrongRegion
		case 403:
			return CauseAccessDenied
		case 404:
			return CauseNoSuchBucket
		}
	}
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) || errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) {
		return CauseUnreachable
	}
	return CauseOther
}

// scrubbed is an error whose text has had the secrets removed; it still unwraps to the
// client's error for errors.As.
type scrubbed struct {
	text string
	err  error
}

func (s scrubbed) Error() string { return s.text }
func (s scrubbed) Unwrap() error { return s.err }

func scrub(text string, secrets []string) string {
	for _, s := range secrets {
		text = protocol.RedactSecret(text, s)
	}
	return strings.TrimSpace(text)
}
