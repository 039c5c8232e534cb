package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// The version must be the same in four places: metadata.yaml's dockerImageTag, main.version,
// the Dockerfile's default VERSION and what the built binary prints for --version.

func TestMetadataVersionIsTheSameEverywhere(t *testing.T) {
	meta := readMetadataYAML(t, "metadata.yaml")
	df := readDockerfile(t, "Dockerfile")
	tag := meta.one(t, "data.dockerImageTag")

	assert.Equal(t, tag, version, "metadata.yaml dockerImageTag vs main.version")
	require.NotEmpty(t, df.argDefaults["VERSION"], "the Dockerfile needs ARG VERSION=<default>")
	for _, def := range df.argDefaults["VERSION"] {
		assert.Equal(t, tag, def, "metadata.yaml dockerImageTag vs the Dockerfile's ARG VERSION default")
	}
	assert.Contains(t, df.text, "-X main.version=${VERSION}", "the Dockerfile must stamp main.version with VERSION")
}

func TestMetadataBinaryPrintsTheVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ldflags string
		want    string
	}{
		{name: "default build prints main.version", want: version},
		{name: "stamped build prints the stamp", ldflags: "-X main.version=9.8.7-stamp", want: "9.8.7-stamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin := connectortest.BinaryOf(t, connectortest.Build{LDFlags: tt.ldflags})
			r := connectortest.Run(t, bin, connectortest.Options{}, nil, "--version")
			require.Equal(t, 0, r.Exit, "stderr: %s", r.Stderr)
			assert.Equal(t, "destination-openai-ads-conversions "+tt.want+"\n", r.Stdout)
		})
	}
}

func TestMetadataDescribesTheConnector(t *testing.T) {
	meta := readMetadataYAML(t, "metadata.yaml")
	want := map[string]string{
		"metadataSpecVersion":         "1.0",
		"data.name":                   "OpenAI Ads Conversions",
		"data.connectorType":          "destination",
		"data.connectorSubtype":       "api",
		"data.dockerRepository":       "airbyte/destination-openai-ads-conversions",
		"data.documentationUrl":       "https://github.com/openai-ads-conversions/destination-openai-ads-conversions#readme",
		"data.githubIssueLabel":       "destination-openai-ads-conversions",
		"data.supportsDataActivation": "true",
		"data.supportsRefreshes":      "false",
		"data.releaseStage":           "alpha",
		"data.supportLevel":           "community",
		"data.license":                "MIT",
	}
	for path, value := range want {
		assert.Equal(t, value, meta.one(t, path), path)
	}
	uuidV4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	assert.Regexp(t, uuidV4, meta.one(t, "data.definitionId"), "definitionId must be a lower-case UUID v4")
	assert.NotEqual(t, "00000000-0000-0000-0000-000000000000", meta.one(t, "data.definitionId"))
	assert.ElementsMatch(t, []string{"bzr.openai.com", "api.ads.openai.com"}, meta["data.allowedHosts.hosts"],
		"allowedHosts must list both hosts the connector calls")
	assert.Contains(t, meta["data.tags"], "language:go")
}

func TestMetadataDockerfileFollowsTheAirbyteConventions(t *testing.T) {
	meta := readMetadataYAML(t, "metadata.yaml")
	df := readDockerfile(t, "Dockerfile")

	entrypoint, ok := df.env["AIRBYTE_ENTRYPOINT"]
	require.True(t, ok, "the final stage needs ENV AIRBYTE_ENTRYPOINT")
	assert.True(t, strings.HasPrefix(entrypoint, "/"), "AIRBYTE_ENTRYPOINT must be absolute, got %q", entrypoint)
	require.NotEmpty(t, df.entrypoint, "the final stage needs ENTRYPOINT in exec form")
	assert.True(t, strings.HasPrefix(df.entrypoint[0], "/"), "ENTRYPOINT must be absolute, got %q", df.entrypoint)
	assert.Equal(t, strings.Join(df.entrypoint, " "), entrypoint, "AIRBYTE_ENTRYPOINT must equal ENTRYPOINT")

	assert.Equal(t, meta.one(t, "data.dockerRepository"), df.labels["io.airbyte.name"], "label io.airbyte.name")
	assert.Equal(t, "${VERSION}", df.labels["io.airbyte.version"], "label io.airbyte.version must come from VERSION")
	assert.Equal(t, "1000:1000", df.user, "the final stage must run as uid/gid 1000")
	assert.Equal(t, "/airbyte", df.workdir)
}

// metadataYAML holds the values of a YAML file read line by line: each scalar under its dotted
// path ("data.dockerImageTag"), and each list under the path of its key, one element per item.
// It reads only block mappings and block lists of scalars, all that metadata.yaml needs.
type metadataYAML map[string][]string

// one returns the single value at path, failing the test when there is none or several.
func (m metadataYAML) one(t *testing.T, path string) string {
	t.Helper()
	values := m[path]
	require.Len(t, values, 1, "metadata.yaml: want one value at %s, got %q", path, values)
	return values[0]
}

func readMetadataYAML(t *testing.T, path string) metadataYAML {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	type level struct {
		indent int
		key    string
	}
	var stack []level
	out := metadataYAML{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		require.NotContains(t, line, "\t", "%s:%d: tabs are not YAML indentation", path, n)
		indent := len(line) - len(trimmed)
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		keys := make([]string, len(stack))
		for i, l := range stack {
			keys[i] = l.key
		}
		if item, ok := strings.CutPrefix(trimmed, "- "); ok {
			require.NotEmpty(t, keys, "%s:%d: a list item outside any key", path, n)
			parent := strings.Join(keys, ".")
			out[parent] = append(out[parent], yamlScalar(item))
			continue
		}
		key, value, ok := strings.Cut(trimmed, ":")
		require.True(t, ok, "%s:%d: want key: value, got %q", path, n, trimmed)
		value = yamlScalar(value)
		if value == "" {
			stack = append(stack, level{indent: indent, key: key})
			continue
		}
		full := strings.Join(append(keys, key), ".")
		out[full] = append(out[full], value)
	}
	require.NoError(t, sc.Err())
	return out
}

// yamlScalar returns a plain or quoted scalar without its quotes and trailing comment.
func yamlScalar(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		if end := strings.IndexByte(s[1:], s[0]); end >= 0 {
			return s[1 : end+1]
		}
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// dockerfile is what the tests need of a Dockerfile: ARG defaults from every scope, and the
// final stage's ENV, LABEL, ENTRYPOINT, USER and WORKDIR.
type dockerfile struct {
	text        string
	argDefaults map[string][]string
	env         map[string]string
	labels      map[string]string
	entrypoint  []string
	user        string
	workdir     string
}

func readDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	df := dockerfile{text: string(data), argDefaults: map[string][]string{}, env: map[string]string{}, labels: map[string]string{}}
	for _, inst := range dockerInstructions(string(data)) {
		op, rest, _ := strings.Cut(inst, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(op) {
		case "FROM": // a new stage: only the last one's settings describe the image
			df.env, df.labels, df.entrypoint, df.user, df.workdir = map[string]string{}, map[string]string{}, nil, "", ""
		case "ARG":
			if name, def, ok := strings.Cut(rest, "="); ok {
				df.argDefaults[name] = append(df.argDefaults[name], unquoteDocker(def))
			}
		case "ENV":
			pairs, err := dockerPairs(rest)
			require.NoError(t, err, "%s: ENV %s", path, rest)
			for k, v := range pairs {
				df.env[k] = v
			}
		case "LABEL":
			pairs, err := dockerPairs(rest)
			require.NoError(t, err, "%s: LABEL %s", path, rest)
			for k, v := range pairs {
				df.labels[k] = v
			}
		case "ENTRYPOINT":
			require.NoError(t, json.Unmarshal([]byte(rest), &df.entrypoint), "%s: ENTRYPOINT must be a JSON array (exec form)", path)
		case "USER":
			df.user = rest
		case "WORKDIR":
			df.workdir = rest
		}
	}
	return df
}

// dockerInstructions returns a Dockerfile's instructions, continuation lines joined and
// comments dropped.
func dockerInstructions(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if body, more := strings.CutSuffix(trimmed, `\`); more {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(trimmed)
		out = append(out, strings.TrimSpace(cur.String()))
		cur.Reset()
	}
	return out
}

// dockerPairs splits key=value pairs whose values may be double-quoted.
func dockerPairs(s string) (map[string]string, error) {
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		key, rest, ok := strings.Cut(s, "=")
		if !ok || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("want key=value pairs, got %q", s)
		}
		var value string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			value, s = rest[1:end+1], rest[end+2:]
		} else {
			value, s, _ = strings.Cut(rest, " ")
		}
		out[key] = value
	}
	return out, nil
}

func unquoteDocker(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}
