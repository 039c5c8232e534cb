// Command demo shows the connector at work on a fresh clone, with nothing to
// configure: it builds the connector, starts the fake OpenAI API of package
// fakeapi in-process on 127.0.0.1, and runs the binary's spec, check and write
// through os/exec as the Airbyte platform would, with the sample configuration
// and the fixtures of integration_tests (messages.jsonl rebased to now). It
// prints a readable account of each step; -v adds the raw protocol lines.
// Last it writes the same messages again with object_storage_config pointed at
// an S3 server on loopback (SeaweedFS, package s3server; the first run on a
// machine builds it from the Go module proxy, which takes minutes), and prints
// where the rejected records went and one of them, read back from the bucket.
//
//	go run ./integration_tests/cmd/demo [-v]
//
// It exits non-zero if any step misbehaves, and leaves nothing behind.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fixtures"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/gobuild"
)

const apiKey = "sk-demo-conversions-key"

var pixels = []string{"pxl_demo_web", "pxl_demo_app", "pxl_demo_leads"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// demo holds what the steps share.
type demo struct {
	bin, dir string
	out      io.Writer
	verbose  bool
}

// message is the part of a protocol message the demo reads.
type message struct {
	Type string `json:"type"`
	Log  struct{ Level, Message string }
	Spec struct {
		ConnectionSpecification struct {
			Title      string                     `json:"title"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		} `json:"connectionSpecification"`
	}
	ConnectionStatus struct{ Status, Message string } `json:"connectionStatus"`
	State            struct {
		Type   string `json:"type"`
		ID     json.RawMessage
		Stream struct {
			Descriptor struct{ Name string } `json:"stream_descriptor"`
		} `json:"stream"`
		DestinationStats json.RawMessage `json:"destinationStats"`
	} `json:"state"`
	Trace json.RawMessage `json:"trace"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "also print the raw protocol lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "connector-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(stdout, "Building the connector (go build)...")
	bin, err := gobuild.To(ctx, dir, gobuild.Build{})
	if err != nil {
		return err
	}

	api := fakeapi.New(fakeapi.Options{Keys: map[string]fakeapi.KeyKind{apiKey: fakeapi.KeyBoth},
		Pixels: fakeapi.WebPixels(pixels...), KeepEvents: true})
	srv := httptest.NewServer(api) // on 127.0.0.1, a free port
	defer srv.Close()
	defer api.Close() // first: release held requests, so that Close cannot wait on them
	url := srv.URL
	fmt.Fprintf(stdout, "Fake OpenAI API on %s (key %s, pixels %s)\n", url, apiKey, strings.Join(pixels, ", "))

	d := &demo{bin: bin, dir: dir, out: stdout, verbose: *verbose}
	for _, step := range []func(context.Context, string) error{d.spec, d.check, d.write} {
		if err := step(ctx, url); err != nil {
			return err
		}
	}
	if err := d.report(api); err != nil {
		return err
	}
	if err := d.bucket(ctx, url, api); err != nil {
		return err
	}
	fmt.Fprintln(d.out, "\nDone. EXPECTED.md in integration_tests explains this outcome line by line.")
	return nil
}

// exec runs the connector with args and stdin, returning its parsed stdout.
func (d *demo) exec(ctx context.Context, stdin []byte, args ...string) ([]message, error) {
	cmd := exec.CommandContext(ctx, d.bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var msgs []message
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		if d.verbose {
			fmt.Fprintf(d.out, "   > %s\n", sc.Bytes())
		}
		var m message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s: stdout line is not a protocol message: %q", args[0], sc.Bytes())
		}
		msgs = append(msgs, m)
	}
	if runErr != nil {
		return msgs, fmt.Errorf("%s: %w; stderr: %s", args[0], runErr, bytes.TrimSpace(stderr.Bytes()))
	}
	return msgs, sc.Err()
}

func (d *demo) spec(ctx context.Context, _ string) error {
	fmt.Fprintln(d.out, "\n1. spec")
	msgs, err := d.exec(ctx, nil, "spec")
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Type == "SPEC" {
			s := m.Spec.ConnectionSpecification
			fmt.Fprintf(d.out, "   %q: %d settings, required: %s\n", s.Title, len(s.Properties), strings.Join(s.Required, ", "))
			return nil
		}
	}
	return errors.New("spec: no SPEC message")
}

func (d *demo) check(ctx context.Context, url string) error {
	fmt.Fprintln(d.out, "\n2. check (sample_config.json pointed at the fake)")
	cfg, err := fixtures.Config(url, nil)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d.dir, "config.json"), cfg, 0o600); err != nil {
		return err
	}
	return d.runCheck(ctx, filepath.Join(d.dir, "config.json"), "")
}

// runCheck runs check with config and prints its status after label.
func (d *demo) runCheck(ctx context.Context, config, label string) error {
	msgs, err := d.exec(ctx, nil, "check", "--config", config)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Type == "CONNECTION_STATUS" {
			fmt.Fprintf(d.out, "   %s%s: %s\n", label, m.ConnectionStatus.Status, m.ConnectionStatus.Message)
			if m.ConnectionStatus.Status != "SUCCEEDED" {
				return errors.New("check did not succeed")
			}
			return nil
		}
	}
	return errors.New("check: no CONNECTION_STATUS message")
}

func (d *demo) write(ctx context.Context, _ string) error {
	input, err := fixtures.Messages(time.Now())
	if err != nil {
		return err
	}
	records, states := bytes.Count(input, []byte(`"type":"RECORD"`)), bytes.Count(input, []byte(`"type":"STATE"`))
	fmt.Fprintf(d.out, "\n3. write (messages.jsonl rebased to now: %d records, %d states; configured_catalog.json)\n", records, states)
	msgs, err := d.exec(ctx, input, "write", "--config", filepath.Join(d.dir, "config.json"),
		"--catalog", fixtures.Path(fixtures.CatalogFile))
	if err != nil {
		return err
	}
	var warns, summary []string
	echoed := 0
	fmt.Fprintln(d.out, "   States echoed (verbatim, plus destinationStats):")
	for _, m := range msgs {
		switch {
		case m.Type == "TRACE" && bytes.Contains(m.Trace, []byte(`"ERROR"`)):
			return fmt.Errorf("write reported an error: %s", m.Trace)
		case m.Type == "STATE":
			echoed++
			scope := cmp.Or(m.State.Stream.Descriptor.Name, "(all streams)")
			fmt.Fprintf(d.out, "     id %-3s %-6s %-14s %s\n", m.State.ID, m.State.Type, scope, m.State.DestinationStats)
		case m.Type == "LOG" && isSummary(m.Log.Message): // INFO, or WARN when records were rejected
			summary = append(summary, fmt.Sprintf("%s %s", m.Log.Level, m.Log.Message))
		case m.Type == "LOG" && m.Log.Level == "WARN":
			warns = append(warns, m.Log.Message)
		}
	}
	if echoed != states {
		return fmt.Errorf("write echoed %d of %d states", echoed, states)
	}
	isRejection := func(w string) bool { return strings.HasPrefix(w, "Rejected ") }
	d.list("Rejected, not sent (the connector's WARN logs):", slices.DeleteFunc(slices.Clone(warns), func(w string) bool { return !isRejection(w) }))
	d.list("Changed or ignored (WARN logs):", slices.DeleteFunc(warns, isRejection))
	d.list("The connector's summary (WARN when records were rejected):", summary)
	return nil
}

// isSummary tells the end-of-sync summary lines from other logs.
func isSummary(msg string) bool {
	return strings.HasPrefix(msg, "Summary: ") || (strings.HasPrefix(msg, "Stream ") && strings.Contains(msg, " received, "))
}

// list prints a titled list of log messages.
func (d *demo) list(title string, msgs []string) {
	fmt.Fprintf(d.out, "   %s\n", title)
	for _, m := range msgs {
		fmt.Fprintf(d.out, "     - %s\n", m)
	}
}

// report says what the fake API received.
func (d *demo) report(api *fakeapi.API) error {
	events := api.Events()
	if len(events) == 0 {
		return errors.New("the fake API stored no event")
	}
	fmt.Fprintln(d.out, "\n4. What the fake OpenAI API received")
	byPixel := map[string]map[string]int{}
	for _, e := range events {
		if byPixel[e.PixelID] == nil {
			byPixel[e.PixelID] = map[string]int{}
		}
		byPixel[e.PixelID][e.Type]++
	}
	for _, p := range pixels {
		var parts []string
		total := 0
		for _, typ := range slices.Sorted(maps.Keys(byPixel[p])) {
			parts = append(parts, fmt.Sprintf("%s %d", typ, byPixel[p][typ]))
			total += byPixel[p][typ]
		}
		fmt.Fprintf(d.out, "   %-15s %2d events: %s\n", p, total, strings.Join(parts, ", "))
	}
	sample := events[0]
	for _, e := range events {
		if e.ID == "web-oc-5005" {
			sample = e
		}
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, sample.Raw, "     ", "  "); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "   One event as sent to %s (the email and customer id were plaintext in the record):\n     %s\n", sample.PixelID, pretty.String())
	st := api.Stats()
	fmt.Fprintf(d.out, "   Stats: %d requests, %d batches accepted, %d rejected, %d events stored, %d duplicate(s) not stored again (a replayed id and type).\n",
		st.Requests, st.BatchesAccepted, st.BatchesRejected, st.EventsAccepted, st.Duplicates)
	return nil
}
