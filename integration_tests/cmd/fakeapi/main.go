// Command fakeapi serves the fake OpenAI Ads API of package fakeapi on a
// loopback address, for demos, benchmarks and out-of-process tests.
//
//	go run ./integration_tests/cmd/fakeapi -addr 127.0.0.1:0
//
// The first line on stdout is the base URL (http://127.0.0.1:41234);
// nothing else is written to stdout. It serves until SIGINT or SIGTERM, or,
// with -exit-on-eof, until stdin is closed, then shuts down gracefully and
// writes its final Stats as JSON to stderr. GET /_fake/stats and
// GET /_fake/events inspect it while it runs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "fakeapi:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "fakeapi:", err)
		os.Exit(1)
	}
}

// usageError is a bad command line.
type usageError struct{ error }

// config is the parsed command line.
type config struct {
	addr          string
	key           string
	keyKind       fakeapi.KeyKind
	advertiserKey string
	pixels        []string
	latency       time.Duration
	faultRate     float64
	faultKinds    []fakeapi.FaultKind
	seed          int64
	keepEvents    bool
	exitOnEOF     bool
	poisonFile    string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var kind, pixels, kinds string
	fs := flag.NewFlagSet("fakeapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "loopback `host:port` to listen on (port 0 picks a free one)")
	fs.StringVar(&c.key, "key", "sk-demo-conversions-key", "bearer `key` accepted (see -key-kind)")
	fs.StringVar(&kind, "key-kind", "both", "what -key may call: conversions, advertiser or both")
	fs.StringVar(&c.advertiserKey, "advertiser-key", "", "an extra Advertiser-only `key` (ads API, not events)")
	fs.StringVar(&pixels, "pixels", "pxl_demo_web,pxl_demo_app,pxl_demo_leads", "comma-separated pixel ids accepted as pid")
	fs.DurationVar(&c.latency, "latency", 0, "delay added to every API request")
	fs.Float64Var(&c.faultRate, "fault-rate", 0, "probability (0-1) that a request gets a random fault")
	fs.StringVar(&kinds, "fault-kinds", "", "comma-separated fault kinds for -fault-rate (default: rate_limit,rate_limit_no_retry_after,internal_error,bad_gateway,unavailable)")
	fs.Int64Var(&c.seed, "seed", 1, "seed of the random faults")
	fs.BoolVar(&c.keepEvents, "keep-events", false, "keep every accepted event for GET /_fake/events (uses memory)")
	fs.BoolVar(&c.exitOnEOF, "exit-on-eof", false, "also shut down when stdin is closed")
	fs.StringVar(&c.poisonFile, "poison", "", "`file` of event ids, one a line, that the API refuses (poisoned_event)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err}
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Errorf("unexpected arguments: %q", fs.Args())}
	}
	return c, c.validate(kind, pixels, kinds)
}

// validate fills the derived fields and reports every problem at once.
func (c *config) validate(kind, pixels, kinds string) error {
	var errs []error
	if err := checkLoopback(c.addr); err != nil {
		errs = append(errs, err)
	}
	switch kind {
	case "conversions":
		c.keyKind = fakeapi.KeyConversions
	case "advertiser":
		c.keyKind = fakeapi.KeyAdvertiser
	case "both":
		c.keyKind = fakeapi.KeyBoth
	default:
		errs = append(errs, fmt.Errorf("-key-kind %q: want conversions, advertiser or both", kind))
	}
	if c.key == "" {
		errs = append(errs, errors.New("-key must not be empty"))
	}
	if c.advertiserKey == c.key {
		errs = append(errs, errors.New("-advertiser-key must differ from -key"))
	}
	c.pixels = splitList(pixels)
	if len(c.pixels) == 0 {
		errs = append(errs, errors.New("-pixels must name at least one pixel"))
	}
	if c.latency < 0 {
		errs = append(errs, errors.New("-latency must not be negative"))
	}
	if c.faultRate < 0 || c.faultRate > 1 {
		errs = append(errs, fmt.Errorf("-fault-rate %v: want 0 to 1", c.faultRate))
	}
	for _, name := range splitList(kinds) {
		k, err := fakeapi.ParseFaultKind(name)
		if err == nil && k == fakeapi.FaultPoison {
			err = errors.New(`fault kind "poison" cannot be random`)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.faultKinds = append(c.faultKinds, k)
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err}
	}
	return nil
}

// checkLoopback refuses any address that is not a loopback IP or "localhost".
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %q: only loopback addresses are allowed (127.0.0.1, ::1, localhost)", addr)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// run serves until ctx is done or, with -exit-on-eof, stdin reaches EOF.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	keys := map[string]fakeapi.KeyKind{c.key: c.keyKind}
	if c.advertiserKey != "" {
		keys[c.advertiserKey] = fakeapi.KeyAdvertiser
	}
	api := fakeapi.New(fakeapi.Options{
		Keys:       keys,
		Pixels:     fakeapi.WebPixels(c.pixels...),
		KeepEvents: c.keepEvents,
		Latency:    c.latency,
	})
	if c.faultRate > 0 {
		api.RandomFaults(c.seed, c.faultRate, c.faultKinds...)
	}
	if c.poisonFile != "" {
		ids, err := os.ReadFile(c.poisonFile)
		if err != nil {
			return err
		}
		api.Poison(strings.Fields(string(ids))...)
	}

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	if _, err := fmt.Fprintf(stdout, "http://%s\n", ln.Addr()); err != nil {
		_ = ln.Close()
		return err
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	eof := make(chan struct{})
	if c.exitOnEOF {
		go func() {
			_, _ = io.Copy(io.Discard, stdin) // returns when stdin is closed; may outlive run
			close(eof)
		}()
	}

	select {
	case <-ctx.Done():
	case <-eof:
	case err := <-served:
		return err
	}
	api.Close() // release hung requests so Shutdown does not wait for them
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return json.NewEncoder(stderr).Encode(api.Stats())
}
