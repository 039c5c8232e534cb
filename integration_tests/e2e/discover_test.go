package e2e

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

func TestDiscover(t *testing.T) {
	t.Parallel()
	named := []fakeapi.Pixel{{PixelID: "pxl_shop", Name: "Web shop"}, {PixelID: "pxl_app", Name: "Mobile app"}}
	tests := []struct {
		name       string
		key        string
		pixels     []fakeapi.Pixel // the account's
		configured []string        // default_pixel_id, then stream_pixels
		faults     []fakeapi.Fault

		wantObjects []string          // object names in order; nil when discover fails
		wantTitles  map[string]string // object name → text in its schema title
		wantWarn    bool
		wantFailure string
	}{
		{name: "pixels listed with their names", key: keyAdvertiser, pixels: named,
			wantObjects: []string{"pxl_shop", "pxl_app"},
			wantTitles:  map[string]string{"pxl_shop": `"Web shop" (pxl_shop)`, "pxl_app": `"Mobile app" (pxl_app)`}},
		{name: "configured pixels first, then the listed ones", key: keyBoth, pixels: named, configured: []string{"pxl_app", "pxl_other"},
			wantObjects: []string{"pxl_app", "pxl_other", "pxl_shop"},
			wantTitles:  map[string]string{"pxl_app": "Mobile app", "pxl_other": "pxl_other"}},
		{name: "listing refused but pixels configured", key: keyConversions, pixels: named, configured: []string{"pxl_shop", "pxl_b"},
			wantObjects: []string{"pxl_shop", "pxl_b"}, wantWarn: true},
		{name: "listing fails with the key echoed but pixels configured", key: keyBoth, pixels: named, configured: []string{"pxl_shop"},
			faults:      []fakeapi.Fault{{Kind: fakeapi.FaultEchoAuth, Path: "/v1/conversions/pixels", Status: 500, Times: 100}},
			wantObjects: []string{"pxl_shop"}, wantWarn: true},
		{name: "no pixel known: listing refused", key: keyConversions, pixels: named,
			wantFailure: "config_error"},
		{name: "no pixel known: the account has none", key: keyAdvertiser,
			wantFailure: "config_error"},
		{name: "no pixel known: listing keeps failing", key: keyAdvertiser, pixels: named,
			faults:      []fakeapi.Fault{{Kind: fakeapi.FaultUnavailable, Path: "/v1/conversions/pixels", Times: 100}},
			wantFailure: "transient_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := startFake(t, tt.pixels, nil)
			f.api.Script(tt.faults...)
			cfg := baseConfig(f, tt.key)
			if len(tt.configured) > 0 {
				cfg["default_pixel_id"] = tt.configured[0]
			}
			var perStream []map[string]string
			for i, p := range tt.configured[min(1, len(tt.configured)):] {
				perStream = append(perStream, map[string]string{"stream_name": "s" + string(rune('a'+i)), "pixel_id": p})
			}
			if perStream != nil {
				cfg["stream_pixels"] = perStream
			}
			r := run(t, nil, "discover", "--config", connectortest.WriteFile(t, "config.json", cfg))

			checkCommon(t, r)
			if tt.wantFailure != "" {
				assert.Equal(t, 1, r.Exit, "exit code; stdout:\n%s", r.Stdout)
				kind, msg := r.Failure(t)
				assert.Equal(t, tt.wantFailure, kind)
				assert.Contains(t, msg, "Default Pixel ID", "the error says how to name a pixel")
				assert.Empty(t, r.OfType("DESTINATION_CATALOG"))
				return
			}
			assert.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
			assert.Empty(t, r.ErrorTraces())
			assert.Empty(t, r.OfType("CONTROL"), "discover never emits CONTROL")
			catalogs := r.OfType("DESTINATION_CATALOG")
			if !assert.Len(t, catalogs, 1, "one DESTINATION_CATALOG; stdout:\n%s", r.Stdout) || !assert.NotNil(t, catalogs[0].Catalog) {
				return
			}
			var objects []string
			for _, op := range catalogs[0].Catalog.Operations {
				objects = append(objects, op.ObjectName)
				assert.Equal(t, "append", op.SyncMode)
				assert.Equal(t, [][]string{}, op.MatchingKeys, "append-only: an empty list of matching keys, not null")
				var schema struct {
					Title      string                     `json:"title"`
					Type       any                        `json:"type"`
					Required   []string                   `json:"required"`
					Properties map[string]json.RawMessage `json:"properties"`
				}
				if assert.NoError(t, json.Unmarshal(op.JSONSchema, &schema)) {
					assert.Contains(t, schema.Title, op.ObjectName)
					if want, ok := tt.wantTitles[op.ObjectName]; ok {
						assert.Contains(t, schema.Title, want)
					}
					assert.Subset(t, schema.Required, []string{"type", "timestamp_ms"})
					assert.Contains(t, schema.Properties, "id")
					assert.Contains(t, string(schema.Properties["id"]), "deduplicates events on id together with type", "the dedup key is explained on id")
					for _, column := range []string{"user_email", "user_country", "data_amount", "data_currency", "data_contents"} {
						assert.Contains(t, schema.Properties, column, "flat columns are top-level, for the mapping screen")
					}
				}
			}
			assert.Equal(t, tt.wantObjects, objects)
			if tt.wantWarn {
				assert.NotEmpty(t, r.Logs("WARN"), "a warning says the listing failed")
			} else {
				assert.Empty(t, r.Logs("WARN"))
			}
		})
	}
}
