package event

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSchema(t *testing.T) {
	var s struct {
		Schema     string                     `json:"$schema"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		AllOf      []json.RawMessage          `json:"allOf"`
	}
	raw := Schema()
	require.NoError(t, json.Unmarshal(raw, &s))
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", s.Schema)
	assert.ElementsMatch(t, []string{"type", "timestamp_ms"}, s.Required)
	assert.ElementsMatch(t, eventFieldNames, slices.DeleteFunc(keysOf(s.Properties), isFlatKey), "documented fields and flat columns")
	assert.Len(t, s.AllOf, 6, "one if/then per data shape, one for app events and one for custom_event_name")
	assert.JSONEq(t, `{"type":["integer","string"],"description":"Event time in milliseconds since the Unix epoch, or an ISO 8601 date and time (a time without a zone is read in the Timestamp time zone setting); within the last 7 days and at most 10 minutes ahead."}`, string(s.Properties["timestamp_ms"]))
	assert.Contains(t, string(s.Properties["data"]), `"type":["object","string","null"]`)
	assert.Contains(t, string(s.Properties["user"]), `"type":["object","string","null"]`)
	assert.NotContains(t, string(raw), `"additionalProperties":false`, "undocumented fields are dropped, not refused")

	raw[0] = 'x'
	assert.Equal(t, byte('{'), Schema()[0], "Schema returns a copy")
}

func TestSchemaRefusesWhatTheGoChecksRefuse(t *testing.T) {
	sch, err := compiledSchema()
	require.NoError(t, err)
	for _, in := range []string{
		`{"timestamp_ms":1}`, // no type
		`{"type":"purchase","timestamp_ms":1}`,
		`{"type":"custom","timestamp_ms":1}`,
		`{"type":"order_created","timestamp_ms":1,"custom_event_name":"x"}`,
		`{"type":"order_created","timestamp_ms":1,"data":{"type":"customer_action"}}`,
		`{"type":"lead_created","timestamp_ms":1,"data":{"contents":[]}}`,
		`{"type":"order_created","timestamp_ms":1,"data":{"amount":129.99}}`,
		`{"type":"order_created","timestamp_ms":1,"data":{"contents":[{"quantity":0}]}}`,
		`{"type":"order_created","timestamp_ms":1,"action_source":"app"}`,
		`{"type":"order_created","timestamp_ms":1,"opt_out":"yes"}`,
		`{"type":"order_created","timestamp_ms":1,"user":5}`,
		`{"type":"order_created","timestamp_ms":1,"data":{"plan_id":true}}`,
		`{"type":"lead_created","timestamp_ms":1,"data":{"plan_id":1.5}}`,
		`{"type":"app_opened","timestamp_ms":1,"action_source":"web"}`,
		`{"type":"order_created","timestamp_ms":1,"data":{"contents":[{"variant_dict":{"size":42}}]}}`,
		`{"type":"order_created","timestamp_ms":1,"data":{"contents":[{"group_id":true}]}}`,
		`{"type":"order_created","timestamp_ms":1,"user":{"email":{"a":"b"}}}`,
		`{"type":"order_created","timestamp_ms":1,"user":{"emails_sha256":[5]}}`,
		`{"type":"order_created","timestamp_ms":1,"user":{"obref":5}}`,
	} {
		v, err := parseValue(in)
		require.NoError(t, err)
		assert.Error(t, sch.Validate(v), in)
	}
}

func keysOf(m map[string]json.RawMessage) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestSchemaAgreesOnVariants nulls out, one at a time, every member of every
// accepted test record, and checks that the schema accepts each variant the
// Go checks accept.
func TestSchemaAgreesOnVariants(t *testing.T) {
	p := newTestPreparer(t)
	sch, err := compiledSchema()
	require.NoError(t, err)
	for _, tc := range acceptCases {
		tree, err := parseValue(tc.in)
		require.NoError(t, err)
		forEachMember(tree, func(set func(any)) {
			set(nil)
			in := appendValue(nil, tree)
			if _, err := p.Prepare("s", 1, in); err != nil {
				return
			}
			v, err := parseValue(string(in))
			require.NoError(t, err)
			assert.NoError(t, sch.Validate(v), "schema refuses accepted %s", in)
		})
	}
}

// forEachMember calls f for every object member below v, with a setter for
// its value; the member's value is restored after f returns.
func forEachMember(v any, f func(set func(any))) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			f(func(x any) { v[k] = x })
			v[k] = e
			forEachMember(e, f)
		}
	case []any:
		for _, e := range v {
			forEachMember(e, f)
		}
	}
}
