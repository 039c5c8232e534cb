package destination

import (
	"net/http"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
)

// newClient returns the OpenAI client of a command: cfg's key and base URLs over hc, with the
// command's version and clock.
func newClient(cfg *Config, hc *http.Client, env Env) *openai.Client {
	return newClientAt(cfg, hc, env.Version, env.Now)
}

// newClientAt is newClient with the version and clock given one by one.
func newClientAt(cfg *Config, hc *http.Client, version string, now func() time.Time) *openai.Client {
	return openai.NewClient(openai.Options{
		Key:             cfg.APIKey,
		ConversionsBase: cfg.ConversionsAPIBaseURL,
		AdsBase:         cfg.AdsAPIBaseURL,
		HTTP:            hc,
		Version:         version,
		Now:             now,
	})
}
