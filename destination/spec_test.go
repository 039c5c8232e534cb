package destination

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// specPath is the committed spec.json at the top of the repository.
var specPath = filepath.Join("..", "spec.json")

func TestSpecJSONIsUpToDate(t *testing.T) {
	got := ConnectionSpecification()
	want := connectortest.Golden(t, specPath, got)
	assert.Equal(t, string(want), string(got), "spec.json is stale: run go test ./destination -run TestSpecJSONIsUpToDate -update")
}

func TestSpecFollowsThePlatformFormConventions(t *testing.T) {
	var s map[string]any
	require.NoError(t, json.Unmarshal(ConnectionSpecification(), &s))
	assert.Equal(t, "object", s["type"])
	assert.ElementsMatch(t, []any{"api_key"}, s["required"], "continue_on_errors has a default, so a hand-written config may leave it out")
	_, set := s["additionalProperties"]
	assert.False(t, set, "additionalProperties, if set, must be true for the acceptance tests")
	props := s["properties"].(map[string]any)
	orders := map[float64]string{}
	for name, p := range props {
		p := p.(map[string]any)
		assert.NotEmpty(t, p["title"], name)
		assert.NotEmpty(t, p["description"], name)
		order, ok := p["order"].(float64)
		require.True(t, ok, "%s has an integer order", name)
		assert.Empty(t, orders[order], "order %v used twice", order)
		orders[order] = name
		assert.Contains(t, []any{"connection", "pixels", "advanced"}, p["group"], name)
		_, secret := p["airbyte_secret"]
		assert.Equal(t, name == "api_key", secret, "only the API key is secret")
	}
	for _, name := range []string{"conversions_api_base_url", "ads_api_base_url", "batch_size", "max_in_flight", "request_timeout_seconds", "max_retry_seconds"} {
		assert.Equal(t, "advanced", props[name].(map[string]any)["group"], name)
	}
}

func TestSpecDefaultsAreTheParserDefaults(t *testing.T) {
	var s struct {
		Properties map[string]struct {
			Default any `json:"default"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(ConnectionSpecification(), &s))
	c, err := ParseConfig([]byte(`{"api_key":"sk-config-test-0123456789","continue_on_errors":false}`))
	require.NoError(t, err)
	raw, err := json.Marshal(c)
	require.NoError(t, err)
	var parsed map[string]any
	require.NoError(t, json.Unmarshal(raw, &parsed))
	for name, p := range s.Properties {
		if p.Default != nil {
			assert.Equal(t, p.Default, parsed[name], name)
		}
	}
}
