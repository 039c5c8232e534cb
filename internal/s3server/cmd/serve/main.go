// Command serve runs one S3 server of package s3server (SeaweedFS, built into the cache
// folder first when missing) on loopback with one empty bucket, for scripts such as
// integration_tests/bench.sh. It prints shell assignments to stdout, one a line:
//
//	S3_ENDPOINT=http://127.0.0.1:PORT
//	S3_REGION=us-east-1
//	S3_BUCKET=t-...
//	S3_ACCESS_KEY=...
//	S3_SECRET_KEY=...
//	S3_READY=1
//
// and serves until SIGINT or SIGTERM, or until stdin is closed, then stops the server and
// deletes its data. Before it prints S3_READY it writes and deletes one object: SeaweedFS
// allocates a new bucket's volumes on its first write, which takes seconds that a benchmark
// should not count.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/s3server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdin, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stdin io.Reader, stdout io.Writer) error {
	if !s3server.Built() {
		fmt.Fprintln(os.Stderr, "serve: building SeaweedFS's weed from the Go module proxy first (minutes)")
	}
	srv, err := s3server.Launch(ctx)
	if err != nil {
		return err
	}
	defer srv.Close()
	bucket, err := srv.NewBucket(ctx)
	if err != nil {
		return err
	}
	if err := warm(ctx, srv.Client(), bucket); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "S3_ENDPOINT=%s\nS3_REGION=%s\nS3_BUCKET=%s\nS3_ACCESS_KEY=%s\nS3_SECRET_KEY=%s\nS3_READY=1\n",
		srv.Endpoint, s3server.Region, bucket, srv.AccessKey, srv.SecretKey); err != nil {
		return err
	}
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin) // returns when stdin is closed; may outlive run
		close(eof)
	}()
	select {
	case <-ctx.Done():
	case <-eof:
	}
	return nil
}

// warm writes and deletes one object, so that the bucket's volumes exist.
func warm(ctx context.Context, client *s3.Client, bucket string) error {
	key := aws.String("warm-up")
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: key, Body: strings.NewReader("warm-up")}); err != nil {
		return fmt.Errorf("warm the bucket up: %w", err)
	}
	_, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: key})
	return err
}
