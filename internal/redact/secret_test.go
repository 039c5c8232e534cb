package redact

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretNeverShowsItself(t *testing.T) {
	s := Secret("sk-very-secret")
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "key", s)
	b, err := json.Marshal(struct{ APIKey Secret }{s})
	require.NoError(t, err)
	outs := map[string]string{
		"String":        s.String(),
		"fmt verbs":     fmt.Sprintf("%v %s %+v %#v", s, s, s, s),
		"LogValue":      s.LogValue().String(),
		"a slog line":   logged.String(),
		"JSON of owner": string(b),
	}
	for name, out := range outs {
		assert.NotContains(t, out, "very-secret", name)
		assert.Contains(t, out, Placeholder, name)
	}
	assert.Equal(t, "sk-very-secret", s.Reveal())
}
