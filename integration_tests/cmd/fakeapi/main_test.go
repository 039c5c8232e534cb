package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// syncBuffer is a bytes.Buffer safe to write from run and read from the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMain(m *testing.M) { os.Exit(connectortest.Main(m)) }

func get(t *testing.T, url, key string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

func post(t *testing.T, url, key, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-advertiser-key", "sk-adv", "-keep-events"}, strings.NewReader(""), outW, &stderr)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	require.NoError(t, err)
	base := strings.TrimSpace(line)
	require.Regexp(t, `^http://127\.0\.0\.1:\d+$`, base)
	go func() { _, _ = io.Copy(io.Discard, outR) }()

	status, body := get(t, base+"/v1/ad_account", "sk-demo-conversions-key")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"id":"act_demo","name":"Demo Ads Account","url":"https://shop.example.com","timezone":"UTC","currency_code":"USD"}`, string(body))
	status, _ = get(t, base+"/v1/ad_account", "sk-adv")
	assert.Equal(t, http.StatusOK, status)

	ev := `{"validate_only":false,"events":[{"id":"lead_1","type":"lead_created","timestamp_ms":` +
		strconv.FormatInt(time.Now().UnixMilli(), 10) + `,"action_source":"web","source_url":"https://shop.example.com/","data":{"type":"customer_action"}}]}`
	for _, pixel := range []string{"pxl_demo_web", "pxl_demo_app", "pxl_demo_leads"} {
		assert.Equal(t, http.StatusOK, post(t, base+"/v1/events?pid="+pixel, "sk-demo-conversions-key", ev), pixel)
	}
	assert.Equal(t, http.StatusUnauthorized, post(t, base+"/v1/events?pid=pxl_demo_web", "sk-adv", ev))

	status, body = get(t, base+"/_fake/stats", "")
	assert.Equal(t, http.StatusOK, status)
	var st fakeapi.Stats
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Equal(t, int64(3), st.EventsAccepted)
	status, body = get(t, base+"/_fake/events", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"pixel_id":"pxl_demo_leads"`)

	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, stderr.String(), `"events_accepted":3`, "final stats go to stderr")
}

func TestRunExitsOnEOF(t *testing.T) {
	inR, inW := io.Pipe()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(t.Context(), []string{"-exit-on-eof", "-fault-rate", "1", "-fault-kinds", "unavailable"}, inR, &stdout, &stderr)
	}()
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "\n") }, 5*time.Second, time.Millisecond)
	base := strings.TrimSpace(stdout.String())
	status, body := get(t, base+"/v1/ad_account", "sk-demo-conversions-key")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, string(body), "503: Authentication backend failure")
	require.NoError(t, inW.Close())
	require.NoError(t, <-done)
	assert.Equal(t, base+"\n", stdout.String(), "stdout holds only the URL")
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"all interfaces", []string{"-addr", ":0"}, "only loopback"},
		{"unspecified address", []string{"-addr", "0.0.0.0:8080"}, "only loopback"},
		{"host name", []string{"-addr", "example.com:80"}, "only loopback"},
		{"no port", []string{"-addr", "127.0.0.1"}, "missing port"},
		{"bad key kind", []string{"-key-kind", "admin"}, "-key-kind"},
		{"no pixels", []string{"-pixels", " , "}, "-pixels"},
		{"rate above 1", []string{"-fault-rate", "2"}, "-fault-rate"},
		{"unknown fault kind", []string{"-fault-kinds", "rate_limit,meteor"}, `unknown fault kind "meteor"`},
		{"poison is not random", []string{"-fault-kinds", "poison"}, "poison"},
		{"extra argument", []string{"serve"}, "unexpected arguments"},
		{"every problem at once", []string{"-addr", ":0", "-fault-rate", "-1"}, "-fault-rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			err := run(t.Context(), tt.args, strings.NewReader(""), &stdout, &stderr)
			require.Error(t, err)
			assert.ErrorAs(t, err, new(usageError))
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Empty(t, stdout.String())
		})
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0", "127.0.0.2:0"} {
		assert.NoError(t, checkLoopback(addr), addr)
	}
}

// TestBinary builds the command and runs it as the demo and the benchmark do.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	t.Parallel()
	bin := connectortest.BinaryOf(t, connectortest.Build{Package: "integration_tests/cmd/fakeapi"})
	for _, stopBy := range []string{"SIGTERM", "stdin EOF"} {
		t.Run(stopBy, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), bin, "-addr", "127.0.0.1:0", "-exit-on-eof")
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			var stderr syncBuffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			line, err := bufio.NewReader(stdout).ReadString('\n')
			require.NoError(t, err, "stderr: %s", stderr.String())
			base := strings.TrimSpace(line)

			status, _ := get(t, base+"/v1/ad_account", "sk-demo-conversions-key")
			assert.Equal(t, http.StatusOK, status)

			if stopBy == "SIGTERM" {
				require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
			} else {
				require.NoError(t, stdin.Close())
			}
			require.NoError(t, cmd.Wait(), "stderr: %s", stderr.String())
			assert.Contains(t, stderr.String(), `"requests":1`)
		})
	}
}

func TestRunRefusesThePoisonedIDsOfItsFile(t *testing.T) {
	poison := filepath.Join(t.TempDir(), "poison.txt")
	require.NoError(t, os.WriteFile(poison, []byte("lead_1\nlead_2\n"), 0o600))
	inR, inW := io.Pipe()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(t.Context(), []string{"-exit-on-eof", "-poison", poison}, inR, &stdout, &stderr) }()
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "\n") }, 5*time.Second, time.Millisecond)
	base := strings.TrimSpace(stdout.String())
	tests := []struct {
		id   string
		want int
	}{
		{"lead_1", http.StatusBadRequest},
		{"lead_2", http.StatusBadRequest},
		{"lead_3", http.StatusOK},
	}
	for _, tt := range tests {
		ev := `{"validate_only":false,"events":[{"id":"` + tt.id + `","type":"lead_created","timestamp_ms":` +
			strconv.FormatInt(time.Now().UnixMilli(), 10) + `,"action_source":"web","source_url":"https://shop.example.com/","data":{"type":"customer_action"}}]}`
		assert.Equal(t, tt.want, post(t, base+"/v1/events?pid=pxl_demo_web", "sk-demo-conversions-key", ev), tt.id)
	}
	require.NoError(t, inW.Close())
	require.NoError(t, <-done)

	err := run(t.Context(), []string{"-poison", filepath.Join(t.TempDir(), "missing.txt")}, strings.NewReader(""), io.Discard, io.Discard)
	assert.ErrorIs(t, err, os.ErrNotExist, "a missing -poison file is an error")
}
