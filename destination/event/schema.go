package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/invopop/jsonschema"
	jsv "github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaURL names the schema inside the compiler.
const schemaURL = "urn:openai-ads-conversions:record.json"

// Schema returns the JSON Schema (draft 2020-12) of a record's data, generated
// from Record and the data shape types. It is the schema Prepare validates
// with, and the one discover publishes as an operation's json_schema. It is
// lenient where the connector is: undocumented fields are allowed (they are
// dropped), timestamp_ms may be a string, data and user may be JSON text,
// amounts, quantities and opt_out may be typed as text and enum values may be
// in any letter case. Every user and data field is also offered as a
// top-level property user_<field> or data_<field>, for plain tables.
func Schema() json.RawMessage {
	b, err := schemaJSON()
	if err != nil {
		panic("event: build schema: " + err.Error()) // the types are fixed; covered by tests
	}
	return slices.Clone(b)
}

var schemaJSON = sync.OnceValues(func() ([]byte, error) {
	return json.Marshal(buildSchema())
})

func reflector() *jsonschema.Reflector {
	return &jsonschema.Reflector{
		AllowAdditionalProperties: true,
		DoNotReference:            true,
		ExpandedStruct:            true,
	}
}

// buildSchema reflects Record and adds, per data shape, an if/then that
// gives data the shape its event type needs, and the custom_event_name rule.
func buildSchema() *jsonschema.Schema {
	r := reflector()
	s := r.Reflect(&Record{})
	s.Title = "OpenAI Ads conversion event"
	shapes := []struct {
		name string
		typ  any
	}{
		{"contents", &ContentsData{}},
		{"customer_action", &CustomerActionData{}},
		{"plan_enrollment", &PlanEnrollmentData{}},
		{"custom", &CustomData{}},
	}
	for _, sh := range shapes {
		d := r.Reflect(sh.typ)
		d.Version, d.ID = "", ""
		nullable(d, false)
		if t, ok := d.Properties.Get("type"); ok {
			t.Type, t.Extras, t.Enum = "", map[string]any{"type": []string{"string", "null"}}, nil
			t.Pattern = foldEnumPattern(sh.name)
		}
		d.Type = ""
		d.Extras = map[string]any{"type": []string{"object", "string", "null"}}
		var types []string
		for _, t := range eventTypeNames() {
			if shapeOf[t] == sh.name {
				types = append(types, t)
			}
		}
		then := &jsonschema.Schema{Properties: jsonschema.NewProperties()}
		then.Properties.Set("data", d)
		s.AllOf = append(s.AllOf, &jsonschema.Schema{If: typeIn(types...), Then: then})
	}
	addFlatProperties(r, s)
	nullable(s, true)
	appSource := &jsonschema.Schema{Properties: jsonschema.NewProperties()}
	appSource.Properties.Set("action_source", &jsonschema.Schema{Extras: map[string]any{"type": []string{"string", "null"}}, Pattern: foldEnumPattern("mobile_app")})
	s.AllOf = append(s.AllOf, &jsonschema.Schema{If: typeIn("app_installed", "app_opened"), Then: appSource})
	s.AllOf = append(s.AllOf, &jsonschema.Schema{
		If:   typeIn("custom"),
		Then: &jsonschema.Schema{Required: []string{"custom_event_name"}},
		Else: onlyNull("custom_event_name"),
	})
	return s
}

// addFlatProperties offers every field of user and data as a top-level
// property too, user_<field> and data_<field> (see flat.go), as the
// platform's mapping screen lists only top-level properties. They are
// generated from the User and Data types, so that new fields are offered as
// they are added, each with the schema and description of its nested field.
func addFlatProperties(r *jsonschema.Reflector, s *jsonschema.Schema) {
	for _, obj := range []struct {
		name string
		typ  any
	}{{"user", &User{}}, {"data", &Data{}}} {
		fields := r.Reflect(obj.typ).Properties
		for f := fields.Oldest(); f != nil; f = f.Next() {
			column := flatColumnName(obj.name, f.Key)
			f.Value.Description = sentence("The field "+obj.name+"."+f.Key+" as a top-level column.", f.Value.Description)
			s.Properties.Set(column, f.Value)
		}
	}
}

// nullable lets every property below s (and every array item) be null, as
// nulls are stripped before anything else, except the required properties of
// the top level.
func nullable(s *jsonschema.Schema, top bool) {
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			if !top || !slices.Contains(s.Required, pair.Key) {
				addNull(pair.Value)
			}
			nullable(pair.Value, false)
		}
	}
	if s.Items != nil {
		addNull(s.Items)
		nullable(s.Items, false)
	}
}

func addNull(s *jsonschema.Schema) {
	if s.Enum != nil {
		s.Enum = append(s.Enum, nil)
	}
	switch {
	case s.Type == "null":
	case s.Type != "":
		s.Extras = mergeExtras(s.Extras, []string{s.Type, "null"})
		s.Type = ""
	case s.Extras != nil && s.Extras["type"] != nil:
		s.Extras["type"] = append(s.Extras["type"].([]string), "null")
	}
}

func mergeExtras(e map[string]any, types []string) map[string]any {
	if e == nil {
		e = map[string]any{}
	}
	e["type"] = types
	return e
}

// onlyNull is a schema that refuses property name unless it is null, which
// counts as absent.
func onlyNull(name string) *jsonschema.Schema {
	s := &jsonschema.Schema{Properties: jsonschema.NewProperties()}
	s.Properties.Set(name, &jsonschema.Schema{Type: "null"})
	return s
}

// typeIn is a schema that holds when the event's type is one of types, in
// any letter case.
func typeIn(types ...string) *jsonschema.Schema {
	s := &jsonschema.Schema{Properties: jsonschema.NewProperties(), Required: []string{"type"}}
	s.Properties.Set("type", &jsonschema.Schema{Type: "string", Pattern: foldEnumPattern(types...)})
	return s
}

// eventTypeNames lists the supported event types in documentation order.
func eventTypeNames() []string {
	return []string{
		"page_viewed", "contents_viewed", "items_added", "checkout_started", "order_created",
		"lead_created", "registration_completed", "appointment_scheduled", "app_installed", "app_opened",
		"trial_started", "subscription_created", "custom",
	}
}

// compiledSchema compiles the schema once per process.
var compiledSchema = sync.OnceValues(func() (*jsv.Schema, error) {
	b, err := schemaJSON()
	if err != nil {
		return nil, err
	}
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsv.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
})

// schemaProblem turns a validation error into a problem naming the first
// failing location. The Go checks run first and cover every rule, so this is
// a backstop; its message never includes the value.
func schemaProblem(err error) *problem {
	var ve *jsv.ValidationError
	if !errors.As(err, &ve) {
		return reject("", RuleSchema, "does not match the record schema")
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	var path strings.Builder
	for _, seg := range ve.InstanceLocation {
		if _, err := strconv.Atoi(seg); err == nil {
			path.WriteString("[" + seg + "]")
			continue
		}
		if path.Len() > 0 {
			path.WriteByte('.')
		}
		path.WriteString(seg)
	}
	msg := "the prepared event does not match the connector's own schema"
	if kw := ve.ErrorKind.KeywordPath(); len(kw) > 0 {
		msg += " (" + kw[len(kw)-1] + ")"
	}
	msg += "; this is a defect of the connector, please report it"
	return reject(path.String(), RuleSchema, msg)
}
