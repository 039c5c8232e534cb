package destination

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// adviceFindPixel tells a user where a Pixel ID comes from.
const adviceFindPixel = "No pixel is known: set a Default Pixel ID or a Pixel per stream in the destination's settings. " +
	"The Pixel ID is shown in OpenAI Ads Manager under Conversions."

// Words of the catalog about deduplication. OpenAI deduplicates events on the pair (id, type),
// which matching keys cannot say: their outer list holds alternative keys, each a single field
// path. An append-only events operation needs no matching key, so discover publishes none (as
// the platform's append-only destinations do) and explains the pair in the field descriptions.
const (
	dedupID = " OpenAI deduplicates events on id together with type: an event with the id and type of one already received is dropped. " +
		"Keep the id stable when a record is sent again."
	dedupType = " Together with id, the key OpenAI deduplicates events on."
)

// knownPixel is a pixel discover offers, with the name the account gives it when known.
type knownPixel struct {
	id   string
	name string
}

// runDiscover answers `discover` with one DESTINATION_CATALOG: an append operation per pixel
// the connector knows. Errors are one TRACE and exit 1, as the platform expects of discover.
func runDiscover(ctx context.Context, path string, w *protocol.Writer, env Env) error {
	cfg, err := loadConfig(path)
	if err != nil {
		return reportFailure(w, protocol.ConfigError, configProblems(err), "")
	}
	redactSecrets(w, cfg)
	hc := openai.NewHTTPClient(2)
	defer hc.CloseIdleConnections()
	client := newClient(cfg, hc, env)
	timeout := min(cfg.RequestTimeout(), 20*time.Second)
	listed, listErr := openai.RetryShort(ctx, checkAttempts, timeout, client.Pixels)
	pixels := mergePixels(cfg.Pixels(), listed)
	if listErr != nil {
		if len(pixels) == 0 {
			return reportFailure(w, listFailureKind(listErr), adviceFindPixel+" (Listing the account's pixels failed: "+listErr.Error()+".)", "")
		}
		_ = w.Logf(protocol.LevelWarn, "The account's pixels could not be listed (%v); offering the configured pixels only.", listErr)
	}
	if len(pixels) == 0 {
		return reportFailure(w, protocol.ConfigError, adviceFindPixel, "")
	}
	ops, err := operations(pixels)
	if err != nil {
		return reportFailure(w, protocol.SystemError, "Building the catalog failed.", err.Error())
	}
	return w.Write(&protocol.Message{Type: protocol.TypeDestinationCatalog, DestinationCatalog: &protocol.DestinationCatalog{Operations: ops}})
}

// listFailureKind classifies a failed pixel listing when nothing else is known.
func listFailureKind(err error) protocol.FailureType {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && !apiErr.Retryable() {
		return protocol.ConfigError
	}
	return protocol.TransientError
}

// mergePixels lists the configured pixels, then the account's others, each once, with names.
func mergePixels(configured []string, listed []openai.Pixel) []knownPixel {
	names := map[string]string{}
	for _, p := range listed {
		names[p.PixelID] = p.Name
	}
	var out []knownPixel
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, knownPixel{id: id, name: names[id]})
		}
	}
	for _, id := range configured {
		add(id)
	}
	for _, p := range listed {
		add(p.PixelID)
	}
	return out
}

// operations builds one append operation per pixel, with the event schema validation uses.
func operations(pixels []knownPixel) ([]protocol.Operation, error) {
	var base map[string]any
	if err := json.Unmarshal(event.Schema(), &base); err != nil {
		return nil, fmt.Errorf("read the event schema: %w", err)
	}
	if err := explainDedup(base); err != nil {
		return nil, err
	}
	ops := make([]protocol.Operation, 0, len(pixels))
	for _, p := range pixels {
		base["title"] = "Conversion events for pixel " + p.id
		if p.name != "" {
			base["title"] = fmt.Sprintf("Conversion events for pixel %q (%s)", p.name, p.id)
		}
		base["description"] = "One record is one conversion event sent to the OpenAI Ads Conversions API for this pixel. " +
			"OpenAI deduplicates events on the pair id and type."
		schema, err := json.Marshal(base)
		if err != nil {
			return nil, err
		}
		ops = append(ops, protocol.Operation{
			ObjectName:   p.id,
			SyncMode:     protocol.SyncAppend,
			JSONSchema:   schema,
			MatchingKeys: [][]string{}, // append-only: no key (an empty list, not null)
		})
	}
	return ops, nil
}

// explainDedup adds the deduplication key to the descriptions of id and type.
func explainDedup(schema map[string]any) error {
	props, _ := schema["properties"].(map[string]any)
	for field, words := range map[string]string{"id": dedupID, "type": dedupType} {
		p, ok := props[field].(map[string]any)
		if !ok {
			return fmt.Errorf("the event schema has no property %s", field)
		}
		d, _ := p["description"].(string)
		p["description"] = d + words
	}
	return nil
}
