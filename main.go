// Command destination-openai-ads-conversions is an Airbyte destination that delivers
// conversion events to the OpenAI Ads Conversions API. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // the first signal starts a graceful stop; a second one kills
	grace, err := shutdownGrace()
	if err == nil {
		err = destination.Run(ctx, os.Args[1:], destination.Env{
			Stdin:         os.Stdin,
			Stdout:        os.Stdout,
			Version:       version,
			ShutdownGrace: grace,
		})
	}
	stop()
	os.Exit(exitCode(err))
}

// graceVariable shortens write's shutdown grace, for tests only: a Go duration ("2s").
const graceVariable = "OPENAI_ADS_DEST_SHUTDOWN_GRACE"

// shutdownGrace reads graceVariable; unset, it is zero: the default grace.
func shutdownGrace() (time.Duration, error) {
	v := os.Getenv(graceVariable)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, &destination.UsageError{Msg: fmt.Sprintf("%s must be a positive Go duration such as 2s, not %q", graceVariable, v)}
	}
	return d, nil
}

// exitCode maps a command's error to the process's exit code: 2 for a wrong command line,
// 143 after a signal, 1 for a failure (already reported on stdout when it is a ReportedError), 0 otherwise.
func exitCode(err error) int {
	var usage *destination.UsageError
	var reported *destination.ReportedError
	var interrupted destination.InterruptedError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &interrupted):
		return 143 // 128 + SIGTERM: the platform treats it as a cancelled sync
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "error:", usage.Msg)
		return 2
	case errors.As(err, &reported):
		return 1
	default:
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
}
