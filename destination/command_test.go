package destination

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want flagValues
	}{
		{"separate value", []string{"--config", "c.json"}, flagValues{"config": "c.json"}},
		{"joined value", []string{"--config=c.json"}, flagValues{"config": "c.json"}},
		{"single dash", []string{"-config", "c.json"}, flagValues{"config": "c.json"}},
		{"two flags in any order", []string{"--catalog=cat.json", "--config", "c.json"}, flagValues{"config": "c.json", "catalog": "cat.json"}},
		{"unknown flags tolerated", []string{"--debug", "--config", "c.json", "--log-level=info"}, flagValues{"config": "c.json", "debug": "", "log-level": "info"}},
		{"value with an equals sign", []string{"--config=/tmp/a=b.json"}, flagValues{"config": "/tmp/a=b.json"}},
		{"nothing", nil, flagValues{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseFlags(c.args)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}

	for _, args := range [][]string{{"c.json"}, {"--config", "c.json", "extra"}, {"--debug=1", "stray", "--config", "c.json"}} {
		_, err := parseFlags(args)
		var usage *UsageError
		assert.ErrorAs(t, err, &usage, "a stray positional argument in %q", args)
	}

	f, err := parseFlags([]string{"--config="})
	require.NoError(t, err)
	_, err = f.require("config")
	var usage *UsageError
	assert.ErrorAs(t, err, &usage, "an empty --config is missing")
	assert.ErrorContains(t, err, "--config")
}

func TestRunUsageErrors(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		words string
	}{
		{"no arguments", nil, "missing command"},
		{"unknown command", []string{"frobnicate"}, `"frobnicate"`},
		{"check without --config", []string{"check"}, "--config"},
		{"check with an empty --config", []string{"check", "--config"}, "--config"},
		{"check with a stray argument", []string{"check", "config.json"}, `"config.json"`},
		{"write without --catalog", []string{"write", "--config", "c.json"}, "--catalog"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runCommand(t, t.Context(), checkNow, c.args...)
			var usage *UsageError
			if assert.ErrorAs(t, res.Err, &usage) {
				assert.Contains(t, usage.Msg, c.words)
			}
			assert.Empty(t, res.Stdout, "a usage error writes nothing on stdout")
		})
	}
}

func TestRunCheckToleratesUnknownFlags(t *testing.T) {
	path := writeConfigFile(t, map[string]any{"api_key": testKey, "batch_size": 0}) // invalid: no request is made
	res := runCommand(t, t.Context(), checkNow, "check", "--debug", "--config="+path, "--log-level", "info")
	assertCheckVerdict(t, res, checkWant{
		status: protocol.StatusFailed, failure: protocol.ConfigError,
		words: []string{"batch_size"},
	})
}
