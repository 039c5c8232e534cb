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
// unchanged when prepared again, holds no null, no plaintext email,
// external_id or phone (in any letter case) nor any other user field naming
// email or phone but a *_sha256 digest, and no undocumented event, data or
// content field, and that the schema accepts both the record and the event.
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
		for k := range u {
			lk := strings.ToLower(k)
			assert.NotContains(t, []string{"email", "external_id", "phone", "phone_number"}, lk, "plaintext %s sent", k)
			if strings.Contains(lk, "email") || strings.Contains(lk, "phone") {
				assert.True(t, strings.HasSuffix(lk, "_sha256"), "user.%s may hold plaintext personal data", k)
			}
		}
	}
	d := m["data"].(map[string]any)
	shape := d["type"].(string)
	assert.Equal(t, shapeOf[m["type"].(string)], shape)
	assert.Subset(t, []string{"type", "amount", "currency", "plan_id", "contents"}, keys(d), "undocumented data field")
	if !hasPlanID(shape) {
		assert.NotContains(t, d, "plan_id")
	}
	if !hasContents(shape) {
		assert.NotContains(t, d, "contents")
	}
	items, _ := d["contents"].([]any)
	for _, it := range items {
		assert.Subset(t, []string{"id", "name", "content_type", "quantity", "amount", "currency"}, keys(it.(map[string]any)), "undocumented content field")
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
