package event

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// goldenPath pins derived ids: a change that alters one gives every replayed
// record of that shape a new id, and OpenAI would count it twice.
var goldenPath = filepath.Join("testdata", "derived_ids.golden")

// derivedIDCases are records without id, one per part of the canonical form.
var derivedIDCases = []struct{ Name, Stream, Record string }{
	{"lead with identity", "leads", `{"type":"lead_created",` + ts + `,"action_source":"email","user":{"email":" Jane@Example.com ","phone":"+1 415 555 0134","first_name":"Jane","last_name":"Doe","city":"Paris","country":"fr","zip":"75001","external_id":42}}`},
	{"order with contents and dropped columns", "orders", `{"type":"order_created",` + ts + `,"oppref":"op_1","coupon":"SPRING","data":{"amount":12999,"currency":"usd","value":1.5,"contents":[{"id":"sku-1","group_id":7,"variant_dict":{"size":"M"},"quantity":2,"amount":6499,"colour":"red"}]}}`},
	{"custom event with additional fields", "custom", `{"type":"custom","custom_event_name":"quote_requested",` + ts + `,"opt_out":true,"data":{"tier":"gold","score":{"b":2,"a":1},"plan_id":"p1"}}`},
	{"app event with a defaulted action_source", "apps", `{"type":"app_installed",` + ts + `,"user":{"android_advertising_id":"38400000-8CF0-11BD-B23E-10B96E40000D","ip_address":"203.0.113.1","user_agent":"App/1.0","obref":"ob_1"}}`},
	{"page view whose source_url loses its query", "pages", `{"type":"page_viewed",` + ts + `,"action_source":"web","source_url":"https://shop.example.com/p?email=x","user":{"emails_sha256":["` + digestA + `"],"regions":["ca"]}}`},
}

type goldenID struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

func TestDerivedIDsAreStable(t *testing.T) {
	p := newTestPreparer(t)
	var got []goldenID
	for _, tc := range derivedIDCases {
		ev, err := p.Prepare(tc.Stream, 1, []byte(tc.Record))
		require.NoError(t, err, tc.Name)
		got = append(got, goldenID{tc.Name, ev.ID})
	}
	b, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	var want []goldenID
	require.NoError(t, json.Unmarshal(connectortest.Golden(t, goldenPath, append(b, '\n')), &want))
	assert.Equal(t, want, got, "a derived id changed: replayed records would be counted twice by OpenAI")
}

// TestDerivedIDsIgnoreWireNames renames every wire key and checks that the
// events change and their derived ids do not.
func TestDerivedIDsIgnoreWireNames(t *testing.T) {
	p := newTestPreparer(t)
	before := make([]Event, len(derivedIDCases))
	for i, tc := range derivedIDCases {
		var err error
		before[i], err = p.Prepare(tc.Stream, 1, []byte(tc.Record))
		require.NoError(t, err)
	}
	saved := wireKeys
	t.Cleanup(func() { wireKeys = saved })
	renamed := *wireKeys
	for i := range renamed.k {
		renamed.k[i] = `"x_` + renamed.k[i][1:]
	}
	for i := range renamed.list {
		renamed.list[i] = `"x_` + renamed.list[i][1:]
	}
	for i := range renamed.scalar {
		renamed.scalar[i] = `"x_` + renamed.scalar[i][1:]
	}
	wireKeys = &renamed
	for i, tc := range derivedIDCases {
		ev, err := p.Prepare(tc.Stream, 1, []byte(tc.Record))
		require.NoError(t, err)
		assert.NotEqual(t, string(before[i].JSON), string(ev.JSON), "%s: the wire names changed", tc.Name)
		assert.Equal(t, before[i].ID, ev.ID, "%s: the derived id must not change", tc.Name)
	}
}
