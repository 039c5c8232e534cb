package event

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzPrepare checks, for any input, that Prepare never panics and either
// refuses the record with a *Rejection or returns an event that is
// unchanged when prepared again, holds no null, no user key outside the
// documented list (and only lists of at most 3 unique, well-formed values),
// and no undocumented event, data or content field, and that the schema
// accepts both the record and the event.
func FuzzPrepare(f *testing.F) {
	for _, tc := range acceptCases {
		f.Add([]byte(tc.in))
	}
	for _, tc := range append(rejectCases, valueFormCases()...) {
		f.Add([]byte(tc.in))
	}
	p := newTestPreparer(f)
	sch, err := compiledSchema()
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := p.Prepare("fuzz", 3, data)
		if err != nil {
			var rej *Rejection
			require.True(t, errors.As(err, &rej), "not a *Rejection: %v", err)
			require.NotEmpty(t, rej.Rule)
			return
		}
		again, err := p.Prepare("fuzz", 3, ev.JSON)
		require.NoError(t, err, "output refused: %s", ev.JSON)
		require.Equal(t, string(ev.JSON), string(again.JSON), "second pass changed the output")
		require.Equal(t, ev.ID, again.ID)
		require.NotEmpty(t, ev.ID)

		out, err := parseValue(string(ev.JSON))
		require.NoError(t, err, "output is not JSON: %q", ev.JSON)
		checkEventShape(t, out)
		require.NoError(t, sch.Validate(out), "schema refuses the output %s", ev.JSON)
		// Values of dropped fields are only checked for syntax, so they may
		// hold duplicate keys; last wins, as in encoding/json.
		lp := parser{s: string(data), lastWins: true}
		lp.skipSpace()
		in, err := lp.value()
		require.NoError(t, err)
		require.NoError(t, sch.Validate(in), "schema refuses an accepted record %q", data)
	})
}

// checkEventShape asserts the output invariants on a decoded event.
func checkEventShape(t *testing.T, v any) {
	t.Helper()
	assert.False(t, hasNull(v), "output holds a null")
	m := v.(map[string]any)
	assert.Subset(t, eventFieldNames, keys(m), "undocumented event field")
	for _, k := range []string{"id", "type", "timestamp_ms", "data"} {
		assert.Contains(t, m, k)
	}
	if u, ok := m["user"].(map[string]any); ok {
		checkUserShape(t, u)
	}
	d := m["data"].(map[string]any)
	shape := d["type"].(string)
	assert.Equal(t, shapeOf[m["type"].(string)], shape)
	if shape != "custom" {
		assert.Subset(t, []string{"type", "amount", "currency", "plan_id", "contents"}, keys(d), "undocumented data field")
	}
	if !hasPlanID(shape) {
		assert.NotContains(t, d, "plan_id")
	}
	if !hasContents(shape) {
		assert.NotContains(t, d, "contents")
	}
	items, _ := d["contents"].([]any)
	for _, it := range items {
		item := it.(map[string]any)
		assert.Subset(t, []string{"id", "group_id", "name", "content_type", "quantity", "amount", "currency", "variant_dict"}, keys(item), "undocumented content field")
		if vd, ok := item["variant_dict"].(map[string]any); ok {
			for _, v := range vd {
				assert.IsType(t, "", v, "variant_dict value")
			}
		}
	}
}

// documentedUserKeys are the only keys the user object may have (reference §0.1).
var documentedUserKeys = []string{
	"emails_sha256", "phone_numbers_sha256", "external_ids_sha256", "first_names_sha256", "last_names_sha256",
	"countries", "cities", "regions", "postal_codes", "obref", "ip_address", "user_agent", "android_advertising_id",
}

// checkUserShape asserts that user holds only documented keys: lists of at
// most 3 unique strings (64 lowercase hex for the digests, two upper-case
// letters for countries) and non-empty scalar strings.
func checkUserShape(t *testing.T, u map[string]any) {
	t.Helper()
	assert.Subset(t, documentedUserKeys, keys(u), "undocumented user key sent")
	assert.NotEmpty(t, u, "an empty user is left out")
	for k, v := range u {
		list, isList := v.([]any)
		if !isList {
			s, ok := v.(string)
			assert.True(t, ok && s != "", "user.%s must be a non-empty string", k)
			assert.True(t, slices.Contains([]string{"obref", "ip_address", "user_agent", "android_advertising_id"}, k), "user.%s must be a list", k)
			continue
		}
		assert.True(t, len(list) >= 1 && len(list) <= maxUserValues, "user.%s has %d values", k, len(list))
		seen := map[string]bool{}
		for _, e := range list {
			s, ok := e.(string)
			require.True(t, ok, "user.%s holds a non-string", k)
			assert.False(t, seen[s], "user.%s holds a value twice", k)
			seen[s] = true
			switch {
			case strings.HasSuffix(k, "_sha256"):
				assert.Regexp(t, `^[0-9a-f]{64}$`, s, "user.%s", k)
			case k == "countries":
				assert.Regexp(t, `^[A-Z]{2}$`, s)
			default:
				assert.NotEmpty(t, strings.TrimSpace(s), "user.%s", k)
			}
		}
	}
}

var eventFieldNames = []string{"id", "type", "timestamp_ms", "custom_event_name", "oppref", "source_url", "action_source", "user", "opt_out", "data"}

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func hasNull(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range v {
			if hasNull(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasNull(e) {
				return true
			}
		}
	}
	return false
}
