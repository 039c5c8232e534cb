package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
)

// binary is the connector, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests builds the connector (without -race, whatever the test process uses) and runs the
// tests. E2E_BINARY names a connector binary to test instead, such as one taken out of the
// Docker image.
func runTests(m *testing.M) int {
	if binary = os.Getenv("E2E_BINARY"); binary != "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "e2e-destination-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "destination")
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		fmt.Fprintln(os.Stderr, "e2e: cannot locate the repository")
		return 1
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building the connector failed: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// Keys the fake knows, each of one kind, and one it does not know. They are distinctive so
// that finding one in the connector's output is never a coincidence.
const (
	keyBoth        = "sk-e2e-BOTH-q7Xv3Lm9Tp2Wd8Rk4Hs6Nf1Bc5Yg0Ju"
	keyConversions = "sk-e2e-CONV-a1Zr8Kw2Jm5Xq9Lp3Tn7Vb4Hd6Fs0Gy"
	keyAdvertiser  = "sk-e2e-ADVR-m3Wq6Zt9Xc2Vb5Nj8Kl1Hg4Fd7Sa0Pe"
	keyUnknown     = "sk-e2e-NONE-r5Ty8Ui1Op4As7Df0Gh3Jk6Lz9Xc2Vb"
)

// allKeys are every key a test may put in a configuration.
var allKeys = []string{keyBoth, keyConversions, keyAdvertiser, keyUnknown}

// processTimeout bounds every run of the connector.
const processTimeout = 90 * time.Second

// fake is the fake OpenAI API behind a real loopback HTTP server.
type fake struct {
	api *fakeapi.API
	url string
}

// startFake serves a fake API with the test keys, the given pixels and every accepted event
// kept. wrap, when not nil, puts a handler in front of it (for answers the fake cannot give).
func startFake(t *testing.T, pixels []fakeapi.Pixel, wrap func(http.Handler) http.Handler) *fake {
	t.Helper()
	api := fakeapi.New(fakeapi.Options{
		Keys: map[string]fakeapi.KeyKind{
			keyBoth: fakeapi.KeyBoth, keyConversions: fakeapi.KeyConversions, keyAdvertiser: fakeapi.KeyAdvertiser,
		},
		Pixels:     pixels,
		KeepEvents: true,
	})
	var h http.Handler = api
	if wrap != nil {
		h = wrap(api)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		api.Close() // first: releases held requests
		srv.Close()
	})
	return &fake{api: api, url: srv.URL}
}

// closedURL returns a loopback URL where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// config is a connector configuration, as the platform writes it.
type config map[string]any

// baseConfig points a configuration with key at the fake.
func baseConfig(f *fake, key string) config {
	return config{
		"api_key":                  key,
		"continue_on_errors":       false,
		"conversions_api_base_url": f.url,
		"ads_api_base_url":         f.url,
	}
}

// defaultPixelSetup starts a fake API with the one pixel pxl_default and returns it with a
// config, for the good key, that sends every stream to that pixel.
func defaultPixelSetup(t *testing.T) (*fake, config) {
	t.Helper()
	f := startFake(t, fakeapi.WebPixels("pxl_default"), nil)
	cfg := baseConfig(f, keyBoth)
	cfg["default_pixel_id"] = "pxl_default"
	return f, cfg
}

// writeFile writes v (JSON, or raw bytes) to a new file and returns its path.
func writeFile(t *testing.T, name string, v any) string {
	t.Helper()
	data, ok := v.([]byte)
	if !ok {
		var err error
		data, err = json.Marshal(v)
		require.NoError(t, err)
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// outLine is one stdout line and when the test read it.
type outLine struct {
	text string
	at   time.Time
}

// proc is one run of the connector. Its stdout is read line by line as it comes, and each
// line is stamped with the time it was read, so that a state's echo can be compared with the
// arrival of its records at the fake.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stdin  io.WriteCloser
	stderr bytes.Buffer // written by exec's copier; read only after done

	mu     sync.Mutex
	lines  []outLine
	notify chan struct{} // a token after each new line
	done   chan struct{} // closed once the process has exited and stdout is read
	exit   int
	err    error
}

// start runs the connector with args. The caller feeds stdin and calls wait.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	return startWith(t, procOptions{}, args...)
}

// procOptions change how the connector is started.
type procOptions struct {
	env     []string // KEY=value added to the test's environment
	peakRSS bool     // run it under /usr/bin/time to read its peak RSS (result.maxRSS)
}

// timeRSSPrefix starts the line /usr/bin/time writes to stderr with the peak RSS in KiB.
const timeRSSPrefix = "e2e-peak-rss-kib="

// startWith is start with opts.
func startWith(t *testing.T, opts procOptions, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	p := &proc{t: t, cancel: cancel, notify: make(chan struct{}, 1), done: make(chan struct{})}
	if opts.peakRSS {
		p.cmd = exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", timeRSSPrefix + "%M", binary}, args...)...)
	} else {
		p.cmd = exec.CommandContext(ctx, binary, args...)
	}
	if opts.env != nil {
		p.cmd.Env = append(os.Environ(), opts.env...)
	}
	p.cmd.Stderr = &p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	var err error
	p.stdin, err = p.cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	go p.collect(stdout)
	t.Cleanup(func() {
		cancel() // kills the process if a failed test left it running
		<-p.done
	})
	return p
}

// collect reads stdout to its end, then reaps the process.
func (p *proc) collect(stdout io.Reader) {
	defer close(p.done)
	br := bufio.NewReaderSize(stdout, 1<<20)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			p.mu.Lock()
			p.lines = append(p.lines, outLine{text: strings.TrimSuffix(line, "\n"), at: time.Now()})
			p.mu.Unlock()
			select {
			case p.notify <- struct{}{}:
			default:
			}
		}
		if err != nil {
			break
		}
	}
	err := p.cmd.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exit = p.cmd.ProcessState.ExitCode()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		p.err = err
	}
}

// send writes lines to stdin. It reports false when the process no longer reads (it has
// stopped, as it does on a failure).
func (p *proc) send(lines ...[]byte) bool {
	for _, l := range lines {
		if _, err := p.stdin.Write(l); err != nil {
			return false
		}
	}
	return true
}

// closeInput ends stdin.
func (p *proc) closeInput() { _ = p.stdin.Close() }

// signal sends sig to the process.
func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(sig))
}

// waitForLine waits, at most timeout, for a stdout line that matches. It reports whether one
// came.
func (p *proc) waitForLine(timeout time.Duration, match func(outLine) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := 0
	for {
		p.mu.Lock()
		lines := p.lines[seen:]
		seen = len(p.lines)
		p.mu.Unlock()
		for _, l := range lines {
			if match(l) {
				return true
			}
		}
		select {
		case <-p.notify:
		case <-p.done:
			p.mu.Lock()
			more := len(p.lines) > seen
			p.mu.Unlock()
			if !more {
				return false
			}
		case <-deadline.C:
			return false
		}
	}
}

// result is what a finished run printed.
type result struct {
	exit   int
	maxRSS int64 // peak RSS in bytes, when started with procOptions.peakRSS
	lines  []outLine
	stdout string
	stderr string
	msgs   []message
}

// wait waits for the process to end and returns what it printed.
func (p *proc) wait() *result {
	p.t.Helper()
	<-p.done
	p.cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	require.NoError(p.t, p.err, "running the connector")
	r := &result{exit: p.exit, lines: p.lines, stderr: p.stderr.String()}
	if before, after, ok := strings.Cut(r.stderr, timeRSSPrefix); ok {
		kib, rest, _ := strings.Cut(after, "\n")
		n, err := strconv.ParseInt(kib, 10, 64)
		require.NoError(p.t, err, "peak RSS from /usr/bin/time")
		r.maxRSS, r.stderr = n<<10, before+rest // stderr stays the connector's
	}
	var all strings.Builder
	for _, l := range p.lines {
		all.WriteString(l.text + "\n")
		r.msgs = append(r.msgs, parseMessage(l))
	}
	r.stdout = all.String()
	return r
}

// run runs the connector with stdin to its end.
func run(t *testing.T, stdin []byte, args ...string) *result {
	t.Helper()
	return runWith(t, procOptions{}, stdin, args...)
}

// runWith is run with opts.
func runWith(t *testing.T, opts procOptions, stdin []byte, args ...string) *result {
	t.Helper()
	p := startWith(t, opts, args...)
	var feeder sync.WaitGroup
	feeder.Go(func() {
		p.send(stdin)
		p.closeInput()
	})
	r := p.wait()
	feeder.Wait()
	return r
}

// message is one stdout line decoded. Only the parts the tests read are typed.
type message struct {
	line    outLine
	raw     map[string]json.RawMessage
	Type    string
	state   json.RawMessage
	trace   *traceMsg
	log     *logMsg
	status  *statusMsg
	catalog *catalogMsg
}

type traceMsg struct {
	Type      string   `json:"type"`
	EmittedAt *float64 `json:"emitted_at"`
	Error     *struct {
		Message          string `json:"message"`
		InternalMessage  string `json:"internal_message"`
		FailureType      string `json:"failure_type"`
		StreamDescriptor *struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"stream_descriptor"`
	} `json:"error"`
}

type logMsg struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

type statusMsg struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type catalogMsg struct {
	Operations []struct {
		ObjectName   string          `json:"object_name"`
		SyncMode     string          `json:"sync_mode"`
		JSONSchema   json.RawMessage `json:"json_schema"`
		MatchingKeys [][]string      `json:"matching_keys"`
	} `json:"operations"`
}

// payloadKeys maps each message type to its payload key (protocol reference §1).
var payloadKeys = map[string]string{
	"RECORD": "record", "STATE": "state", "LOG": "log", "SPEC": "spec",
	"CONNECTION_STATUS": "connectionStatus", "CATALOG": "catalog", "TRACE": "trace",
	"CONTROL": "control", "DESTINATION_CATALOG": "destination_catalog",
}

// parseMessage decodes a line as far as it can; checkProtocol reports what is wrong with it.
func parseMessage(l outLine) message {
	m := message{line: l}
	if json.Unmarshal([]byte(l.text), &m.raw) != nil {
		return m
	}
	_ = json.Unmarshal(m.raw["type"], &m.Type)
	payload := m.raw[payloadKeys[m.Type]]
	switch m.Type {
	case "STATE":
		m.state = payload
	case "TRACE":
		m.trace = decodeOrNil[traceMsg](payload)
	case "LOG":
		m.log = decodeOrNil[logMsg](payload)
	case "CONNECTION_STATUS":
		m.status = decodeOrNil[statusMsg](payload)
	case "DESTINATION_CATALOG":
		m.catalog = decodeOrNil[catalogMsg](payload)
	}
	return m
}

func decodeOrNil[T any](raw json.RawMessage) *T {
	var v T
	if raw == nil || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return &v
}

// ofType returns the messages of one type.
func (r *result) ofType(typ string) []message {
	var out []message
	for _, m := range r.msgs {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	return out
}

// errorTraces returns the TRACE ERROR messages.
func (r *result) errorTraces() []message {
	var out []message
	for _, m := range r.ofType("TRACE") {
		if m.trace != nil && m.trace.Type == "ERROR" {
			out = append(out, m)
		}
	}
	return out
}

// failure returns the one TRACE ERROR's failure type and message, failing the test when
// there is not exactly one.
func (r *result) failure(t *testing.T) (failureType, msg string) {
	t.Helper()
	traces := r.errorTraces()
	require.Len(t, traces, 1, "exactly one TRACE ERROR; stdout:\n%s", r.stdout)
	e := traces[0].trace.Error
	return e.FailureType, e.Message + " | " + e.InternalMessage
}

// logs returns the messages of the LOG lines at level.
func (r *result) logs(level string) []string {
	var out []string
	for _, m := range r.ofType("LOG") {
		if m.log != nil && m.log.Level == level {
			out = append(out, m.log.Message)
		}
	}
	return out
}

// checkCommon checks what every run of every command must keep: each stdout line is one
// protocol message of a known type with its payload (and no other payload); no API key
// appears on stdout or stderr, nor any 8 consecutive characters of one on stdout; stderr is
// empty; a failed run (exit 1) has exactly one TRACE ERROR, and no run has more than one.
func checkCommon(t *testing.T, r *result) {
	t.Helper()
	for i, m := range r.msgs {
		if !assert.NotNil(t, m.raw, "stdout line %d is a JSON object: %s", i+1, m.line.text) {
			continue
		}
		key, known := payloadKeys[m.Type]
		if !assert.True(t, known, "stdout line %d has a known type: %s", i+1, m.line.text) {
			continue
		}
		payload := m.raw[key]
		assert.True(t, len(payload) > 0 && payload[0] == '{', "stdout line %d has its payload object %q: %s", i+1, key, m.line.text)
		for typ, other := range payloadKeys {
			if typ != m.Type {
				assert.NotContains(t, m.raw, other, "stdout line %d has only the payload of its type: %s", i+1, m.line.text)
			}
		}
		switch m.Type {
		case "TRACE":
			if assert.NotNil(t, m.trace, "line %d", i+1) {
				assert.NotNil(t, m.trace.EmittedAt, "a trace has emitted_at: %s", m.line.text)
				if m.trace.Type == "ERROR" && assert.NotNil(t, m.trace.Error, "an error trace has its error: %s", m.line.text) {
					assert.NotEmpty(t, m.trace.Error.Message)
					assert.Contains(t, []string{"config_error", "transient_error", "system_error"}, m.trace.Error.FailureType)
				}
			}
		case "LOG":
			if assert.NotNil(t, m.log, "line %d", i+1) {
				assert.Contains(t, []string{"FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"}, m.log.Level)
				assert.NotEmpty(t, m.log.Message)
			}
		case "CONNECTION_STATUS":
			if assert.NotNil(t, m.status, "line %d", i+1) {
				assert.Contains(t, []string{"SUCCEEDED", "FAILED"}, m.status.Status)
			}
		}
	}
	for _, key := range allKeys {
		assertNoPieceOfKey(t, r.stdout, key) // not even 8 characters of it
		assert.NotContains(t, r.stderr, key, "an API key is on stderr")
	}
	assert.Empty(t, r.stderr, "stderr is kept for crashes")
	traces := r.errorTraces()
	assert.LessOrEqual(t, len(traces), 1, "at most one TRACE ERROR; stdout:\n%s", r.stdout)
	if r.exit == 1 {
		assert.Len(t, traces, 1, "a failed run reports exactly one TRACE ERROR; stdout:\n%s", r.stdout)
	}
}

// withStatus wraps the fake: requests for path get status with an OpenAI error body, or the
// raw body when it is not empty.
func withStatus(path string, status int, message string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			body, _ := json.Marshal(map[string]any{"error": map[string]any{
				"message": message, "type": "invalid_request_error", "param": nil, "code": nil,
			}})
			_, _ = w.Write(body)
		})
	}
}

// withBody wraps the fake: requests for path get 200 with body.
func withBody(path, body string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		})
	}
}

// sigterm is the signal the platform sends to stop a sync.
var sigterm os.Signal = syscall.SIGTERM
