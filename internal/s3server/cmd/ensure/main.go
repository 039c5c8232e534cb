// Command ensure builds the S3 test server (SeaweedFS's weed) into the cache folder if it is
// missing, so that the tests find it; scripts/test.sh runs it first.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/s3server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bin, err := s3server.EnsureBinary(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "s3server:", err)
		os.Exit(1)
	}
	fmt.Println(bin)
}
