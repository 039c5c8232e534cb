package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination"
)

// buildConnector builds the binary once for the tests of this file.
func buildConnector(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "dest")
	out, err := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// runBinary runs the binary and returns stdout, stderr and the exit code.
func runBinary(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return stdout.String(), stderr.String(), code
}

func TestCommandLine(t *testing.T) {
	bin := buildConnector(t)
	cases := []struct {
		name     string
		args     []string
		code     int
		stderrIn string
	}{
		{"no command", nil, 2, "missing command"},
		{"unknown command", []string{"read"}, 2, `unknown command "read"`},
		{"check without config", []string{"check"}, 2, "missing --config"},
		{"write without catalog", []string{"write", "--config", "c.json"}, 2, "missing --catalog"},
		{"stray argument", []string{"check", "config.json"}, 2, "unexpected argument"},
		{"help", []string{"--help"}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, bin, c.args...)
			assert.Equal(t, c.code, code)
			if c.code == 2 {
				assert.Empty(t, stdout, "nothing but protocol on stdout")
				assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line on stderr: %q", stderr)
				assert.Contains(t, stderr, c.stderrIn)
			}
		})
	}
}

func TestSpecCommandPrintsTheCommittedSpec(t *testing.T) {
	stdout, stderr, code := runBinary(t, buildConnector(t), "spec")
	require.Equal(t, 0, code)
	assert.Empty(t, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 1, "one SPEC message")
	var msg struct {
		Type string `json:"type"`
		Spec struct {
			ConnectionSpecification json.RawMessage `json:"connectionSpecification"`
			SyncModes               []string        `json:"supported_destination_sync_modes"`
		} `json:"spec"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &msg))
	assert.Equal(t, "SPEC", msg.Type)
	committed, err := os.ReadFile("spec.json")
	require.NoError(t, err)
	assert.JSONEq(t, string(committed), string(msg.Spec.ConnectionSpecification), "spec prints spec.json")
	assert.Equal(t, []string{"append", "append_dedup"}, msg.Spec.SyncModes)
}

func TestShutdownGraceVariable(t *testing.T) {
	cases := []struct {
		name    string
		value   string
		want    time.Duration
		wantErr bool
	}{
		{"unset: the default", "", 0, false},
		{"a duration", "1500ms", 1500 * time.Millisecond, false},
		{"not a duration", "soon", 0, true},
		{"not positive", "-1s", 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(graceVariable, c.value)
			got, err := shutdownGrace()
			if c.wantErr {
				var usage *destination.UsageError
				require.ErrorAs(t, err, &usage)
				assert.Contains(t, usage.Msg, graceVariable)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}
