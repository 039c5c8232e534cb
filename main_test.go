package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

func TestMain(m *testing.M) { os.Exit(connectortest.Main(m)) }

// runBinary runs the connector and returns stdout, stderr and the exit code.
func runBinary(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	r := connectortest.Run(t, connectortest.Binary(t), connectortest.Options{}, nil, args...)
	return r.Stdout, r.Stderr, r.Exit
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
			stdout, stderr, code := runBinary(t, c.args...)
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
	t.Parallel()
	r := connectortest.Run(t, connectortest.Binary(t), connectortest.Options{}, nil, "spec")
	require.Equal(t, 0, r.Exit)
	assert.Empty(t, r.Stderr)
	require.Len(t, r.Messages, 1, "one message")
	require.Equal(t, "SPEC", r.Messages[0].Type)
	spec := connectortest.Decode[struct {
		ConnectionSpecification json.RawMessage `json:"connectionSpecification"`
		SyncModes               []string        `json:"supported_destination_sync_modes"`
	}](r.Messages[0].Spec)
	require.NotNil(t, spec, "a SPEC payload: %s", r.Stdout)
	committed, err := os.ReadFile("spec.json")
	require.NoError(t, err)
	assert.JSONEq(t, string(committed), string(spec.ConnectionSpecification), "spec prints spec.json")
	assert.Equal(t, []string{"append", "append_dedup"}, spec.SyncModes)
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
