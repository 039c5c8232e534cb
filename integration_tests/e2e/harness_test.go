package e2e

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// waitingTests is how many tests run at once unless -test.parallel says otherwise: they mostly
// wait, on the connector's process and on the fake's delays, Retry-After and budgets, not on
// this process's CPU, for which -test.parallel's default (GOMAXPROCS) is made. Under -race
// the fake, in this process, is CPU-bound: the default stays, lest its answers outlast the
// 1 s request timeouts some tests set.
const waitingTests = 8

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set && !raceDetector {
		_ = flag.Set("test.parallel", strconv.Itoa(waitingTests))
	}
	code := connectortest.Main(m)
	stopSharedS3()
	os.Exit(code)
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

// start runs the connector with args. The caller feeds stdin and calls Wait.
func start(t *testing.T, args ...string) *connectortest.Process {
	t.Helper()
	return startWith(t, connectortest.Options{}, args...)
}

// startWith is start with opts.
func startWith(t *testing.T, opts connectortest.Options, args ...string) *connectortest.Process {
	t.Helper()
	return connectortest.Start(t, connectortest.Binary(t), opts, args...)
}

// run runs the connector with stdin to its end.
func run(t *testing.T, stdin []byte, args ...string) *connectortest.Result {
	t.Helper()
	return runWith(t, connectortest.Options{}, stdin, args...)
}

// runWith is run with opts.
func runWith(t *testing.T, opts connectortest.Options, stdin []byte, args ...string) *connectortest.Result {
	t.Helper()
	return connectortest.Run(t, connectortest.Binary(t), opts, stdin, args...)
}

// checkCommon checks what every run of every command must keep: each stdout line is one
// protocol message of a known type with its payload (and no other payload); no API key
// appears on stdout or stderr, nor any 8 consecutive characters of one on stdout; stderr is
// empty; a failed run (exit 1) has exactly one TRACE ERROR, and no run has more than one.
func checkCommon(t *testing.T, r *connectortest.Result) {
	t.Helper()
	for i, m := range r.Messages {
		if !assert.NotNil(t, m.Raw, "stdout line %d is a JSON object: %s", i+1, m.Line.Text) {
			continue
		}
		key, known := connectortest.PayloadKeys[m.Type]
		if !assert.True(t, known, "stdout line %d has a known type: %s", i+1, m.Line.Text) {
			continue
		}
		payload := m.Raw[key]
		assert.True(t, len(payload) > 0 && payload[0] == '{', "stdout line %d has its payload object %q: %s", i+1, key, m.Line.Text)
		for typ, other := range connectortest.PayloadKeys {
			if typ != m.Type {
				assert.NotContains(t, m.Raw, other, "stdout line %d has only the payload of its type: %s", i+1, m.Line.Text)
			}
		}
		switch m.Type {
		case "TRACE":
			if assert.NotNil(t, m.Trace, "line %d", i+1) {
				assert.NotNil(t, m.Trace.EmittedAt, "a trace has emitted_at: %s", m.Line.Text)
				if m.Trace.Type == "ERROR" && assert.NotNil(t, m.Trace.Error, "an error trace has its error: %s", m.Line.Text) {
					assert.NotEmpty(t, m.Trace.Error.Message)
					assert.Contains(t, []string{"config_error", "transient_error", "system_error"}, m.Trace.Error.FailureType)
				}
			}
		case "LOG":
			if assert.NotNil(t, m.Log, "line %d", i+1) {
				assert.Contains(t, []string{"FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"}, m.Log.Level)
				assert.NotEmpty(t, m.Log.Message)
			}
		case "CONNECTION_STATUS":
			if assert.NotNil(t, m.Status, "line %d", i+1) {
				assert.Contains(t, []string{"SUCCEEDED", "FAILED"}, m.Status.Status)
			}
		}
	}
	for _, key := range allKeys {
		assertNoPieceOfKey(t, r.Stdout, key) // not even 8 characters of it
		assert.NotContains(t, r.Stderr, key, "an API key is on stderr")
	}
	assert.Empty(t, r.Stderr, "stderr is kept for crashes")
	traces := r.ErrorTraces()
	assert.LessOrEqual(t, len(traces), 1, "at most one TRACE ERROR; stdout:\n%s", r.Stdout)
	if r.Exit == 1 {
		assert.Len(t, traces, 1, "a failed run reports exactly one TRACE ERROR; stdout:\n%s", r.Stdout)
	}
}

// onPath wraps the fake: answer serves the requests for path, the fake every other one.
func onPath(path string, answer http.HandlerFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				next.ServeHTTP(w, r)
				return
			}
			answer(w, r)
		})
	}
}

// withStatus wraps the fake: requests for path get status with an OpenAI error body.
func withStatus(path string, status int, message string) func(http.Handler) http.Handler {
	return onPath(path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		body, _ := json.Marshal(map[string]any{"error": map[string]any{
			"message": message, "type": "invalid_request_error", "param": nil, "code": nil,
		}})
		_, _ = w.Write(body)
	})
}

// withBody wraps the fake: requests for path get 200 with body.
func withBody(path, body string) func(http.Handler) http.Handler {
	return onPath(path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	})
}

// sigterm is the signal the platform sends to stop a sync.
var sigterm os.Signal = syscall.SIGTERM
