package destination

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// DocumentationURL is where the connector's documentation lives.
const DocumentationURL = "https://github.com/openai-ads-conversions/destination-openai-ads-conversions#readme"

// uiField is how the platform's form shows one configuration field.
type uiField struct {
	order   int
	group   string
	secret  bool
	always  bool
	pattern string // pattern_descriptor: the hint shown instead of the raw pattern
}

// The form's groups, in the order the form shows them.
var specGroups = []map[string]string{
	{"id": "connection", "title": "Connection"},
	{"id": "pixels", "title": "Pixels"},
	{"id": "advanced", "title": "Advanced"},
}

// uiFields places every top-level field of Config in the form.
var uiFields = map[string]uiField{
	"api_key":                  {order: 0, group: "connection", secret: true, always: true},
	"continue_on_errors":       {order: 1, group: "connection", always: true},
	"validate_only":            {order: 2, group: "connection"},
	"default_pixel_id":         {order: 3, group: "pixels", always: true, pattern: "a Pixel ID, without spaces"},
	"stream_pixels":            {order: 4, group: "pixels"},
	"batch_size":               {order: 5, group: "advanced"},
	"max_in_flight":            {order: 6, group: "advanced"},
	"request_timeout_seconds":  {order: 7, group: "advanced"},
	"max_retry_seconds":        {order: 8, group: "advanced"},
	"conversions_api_base_url": {order: 9, group: "advanced", pattern: "https://host (http:// only for loopback hosts)"},
	"ads_api_base_url":         {order: 10, group: "advanced", pattern: "https://host (http:// only for loopback hosts)"},
	"timestamp_time_zone":      {order: 11, group: "advanced"},
	"default_action_source":    {order: 12, group: "advanced"},
	"object_storage_config":    {order: 13, group: "advanced"},
}

// uiStreamPixelFields places the fields of one stream_pixels entry.
var uiStreamPixelFields = map[string]uiField{
	"stream_name":      {order: 0},
	"stream_namespace": {order: 1},
	"pixel_id":         {order: 2, pattern: "a Pixel ID, without spaces"},
}

// JSONSchemaExtend adds the platform's form keywords (order, group, airbyte_secret...) to the
// schema generated from Config.
func (Config) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Title = "OpenAI Ads Conversions Destination Spec"
	extendProperties(s, uiFields)
	if s.Extras == nil {
		s.Extras = map[string]any{}
	}
	s.Extras["groups"] = specGroups
}

// JSONSchemaExtend adds the form keywords to one entry of stream_pixels.
func (StreamPixel) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Title = "Stream pixel"
	extendProperties(s, uiStreamPixelFields)
}

func extendProperties(s *jsonschema.Schema, fields map[string]uiField) {
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		f, ok := fields[pair.Key]
		if !ok {
			panic(fmt.Sprintf("config field %q has no place in the form", pair.Key))
		}
		p := pair.Value
		if p.Extras == nil {
			p.Extras = map[string]any{}
		}
		p.Extras["order"] = f.order
		if f.group != "" {
			p.Extras["group"] = f.group
		}
		if f.secret {
			p.Extras["airbyte_secret"] = true
		}
		if f.always {
			p.Extras["always_show"] = true
		}
		if f.pattern != "" {
			p.Extras["pattern_descriptor"] = f.pattern
		}
	}
}

// ConnectionSpecification returns the JSON Schema of Config, indented, as committed in
// spec.json.
func ConnectionSpecification() json.RawMessage {
	r := jsonschema.Reflector{
		AllowAdditionalProperties:  true,
		DoNotReference:             true,
		ExpandedStruct:             true,
		RequiredFromJSONSchemaTags: true,
	}
	s := r.Reflect(&Config{})
	s.Version = "http://json-schema.org/draft-07/schema#"
	s.ID = ""
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the platform's specs keep the links of descriptions readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		panic(fmt.Sprintf("marshal the config schema: %v", err)) // a bug: the schema is static
	}
	return b.Bytes()
}

// Spec returns the SPEC message's payload.
func Spec() *protocol.Spec {
	var compact bytes.Buffer
	_ = json.Compact(&compact, ConnectionSpecification()) // valid by construction
	return &protocol.Spec{
		DocumentationURL:              DocumentationURL,
		ConnectionSpecification:       compact.Bytes(),
		SupportsIncremental:           true,
		SupportsNormalization:         false,
		SupportsDBT:                   false,
		SupportedDestinationSyncModes: []protocol.SyncMode{protocol.SyncAppend, protocol.SyncAppendDedup},
	}
}
