package destination

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// Env is what a command reads and writes: the process's standard input and output, the
// build's version, a clock, and the timings tests shorten.
type Env struct {
	Stdin   io.Reader
	Stdout  io.Writer // protocol messages only
	Version string
	Now     func() time.Time // nil: time.Now
	// ShutdownGrace is how long write's requests in flight may finish after a signal (zero: 20
	// seconds). Only tests change it (OPENAI_ADS_DEST_SHUTDOWN_GRACE, read by main).
	ShutdownGrace time.Duration
}

// UsageError is a wrong command line. The caller prints it as one line on stderr and exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ReportedError is a failure that has already been reported on stdout with a TRACE ERROR. The
// caller exits 1 without printing anything more. Err is the failure reported.
type ReportedError struct{ Err error }

func (e *ReportedError) Error() string { return e.Err.Error() }
func (e *ReportedError) Unwrap() error { return e.Err }

// Usage is the text of --help.
const Usage = `destination-openai-ads-conversions: an Airbyte destination for the OpenAI Ads Conversions API.

Usage:
  destination-openai-ads-conversions spec
  destination-openai-ads-conversions check    --config FILE
  destination-openai-ads-conversions discover --config FILE
  destination-openai-ads-conversions write    --config FILE --catalog FILE   < messages
  destination-openai-ads-conversions --help | --version

Every command writes Airbyte protocol messages, one JSON object per line, on stdout.
`

// Run runs the command that args (without the program name) names.
func Run(ctx context.Context, args []string, env Env) (err error) {
	if env.Now == nil {
		env.Now = time.Now
	}
	if len(args) == 0 {
		return &UsageError{Msg: "missing command: expected spec, check, discover or write (see --help)"}
	}
	flags, err := parseFlags(args[1:])
	if err != nil {
		return err
	}
	w := protocol.NewWriter(env.Stdout)
	defer func() {
		if r := recover(); r != nil { // our bug: one system_error trace and exit 1, not a crash
			err = reportFailure(w, protocol.SystemError, "The connector hit a bug and stopped.", fmt.Sprintf("panic: %v\n%s", r, debug.Stack()))
		}
	}()
	switch args[0] {
	case "--help", "-h", "help":
		_, err := io.WriteString(env.Stdout, Usage)
		return err
	case "--version", "-v", "version":
		_, err := fmt.Fprintf(env.Stdout, "destination-openai-ads-conversions %s\n", env.Version)
		return err
	case "spec":
		return w.Write(&protocol.Message{Type: protocol.TypeSpec, Spec: Spec()})
	case "check":
		path, err := flags.require("config")
		if err != nil {
			return err
		}
		return runCheck(ctx, path, w, env)
	case "discover":
		path, err := flags.require("config")
		if err != nil {
			return err
		}
		return runDiscover(ctx, path, w, env)
	case "write":
		cfgPath, err := flags.require("config")
		if err != nil {
			return err
		}
		catalogPath, err := flags.require("catalog")
		if err != nil {
			return err
		}
		return runWrite(ctx, cfgPath, catalogPath, w, env)
	default:
		return &UsageError{Msg: fmt.Sprintf("unknown command %q: expected spec, check, discover or write (see --help)", args[0])}
	}
}

// flagValues are the --name value pairs of a command line.
type flagValues map[string]string

// parseFlags reads --name value and --name=value pairs by name, in any order. Unknown flags
// are tolerated, as the platform may add some; a lone word that is no flag's value is refused.
func parseFlags(args []string) (flagValues, error) {
	out := flagValues{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return nil, &UsageError{Msg: fmt.Sprintf("unexpected argument %q (flags are --config FILE and --catalog FILE)", a)}
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			value, hasValue = args[i+1], true
			i++
		}
		if hasValue {
			out[name] = value
		} else {
			out[name] = ""
		}
	}
	return out, nil
}

// require returns the value of a flag the command needs.
func (f flagValues) require(name string) (string, error) {
	v, ok := f[name]
	if !ok || v == "" {
		return "", &UsageError{Msg: fmt.Sprintf("missing --%s FILE (see --help)", name)}
	}
	return v, nil
}

// loadConfig reads and parses the config file. Its error is safe to show: it names the file
// but never quotes its content. A problem of the file as a whole (unreadable, not JSON) is a
// *FieldError of configField whose text starts with the file's path.
func loadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FieldError{Field: configField, Err: fmt.Errorf("%s cannot be read: %w", path, errors.Unwrap(err))}
	}
	cfg, err := ParseConfig(data)
	var whole *FieldError
	if errors.As(err, &whole) && whole.Field == configField {
		return nil, &FieldError{Field: configField, Err: fmt.Errorf("%s %w", path, whole.Err)}
	}
	return cfg, err
}

// configProblems describes every problem of a configuration in one paragraph.
func configProblems(err error) string {
	var whole *FieldError
	if errors.As(err, &whole) && whole.Field == configField {
		return "The config file " + whole.Err.Error() + "."
	}
	var parts []string
	for _, e := range flatten(err) {
		parts = append(parts, e.Error())
	}
	noun := "problem"
	if len(parts) > 1 {
		noun = "problems"
	}
	return fmt.Sprintf("The configuration has %d %s: %s.", len(parts), noun, strings.Join(parts, "; "))
}

// runCheck answers `check`: config problems and refusals are a FAILED status with exit 0, a
// bug of ours is a system_error with exit 1.
func runCheck(ctx context.Context, path string, w *protocol.Writer, env Env) error {
	cfg, err := loadConfig(path)
	if err != nil {
		msg := configProblems(err)
		if err := w.Error(protocol.ConfigError, msg, "", nil); err != nil {
			return err
		}
		return w.ConnectionStatus(protocol.StatusFailed, msg)
	}
	redactSecrets(w, cfg)
	hc := openai.NewHTTPClient(4)
	defer hc.CloseIdleConnections()
	c := &checker{cfg: cfg, client: newClient(cfg, hc, env), now: env.Now}
	v := c.run(ctx)
	for _, warning := range v.warnings {
		if err := w.Log(protocol.LevelWarn, warning); err != nil {
			return err
		}
	}
	switch v.failure {
	case "":
		return w.ConnectionStatus(protocol.StatusSucceeded, v.message)
	case protocol.SystemError:
		if err := w.Error(v.failure, v.message, v.internal, nil); err != nil {
			return err
		}
		return &ReportedError{Err: errors.New(v.message)}
	default:
		if err := w.Error(v.failure, v.message, v.internal, nil); err != nil {
			return err
		}
		return w.ConnectionStatus(protocol.StatusFailed, v.message)
	}
}
