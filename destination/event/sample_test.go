package event

import (
	"strings"
	"testing"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPreparerValidatesASample replaces the schema with one that refuses
// every event, and checks which prepared events are validated: the first
// and every 1024th after it, or all with Options.ValidateSchema. A refusal
// is the connector's defect, said so in the rejection.
func TestPreparerValidatesASample(t *testing.T) {
	refuseAll := func(t *testing.T) *jsv.Schema {
		c := jsv.NewCompiler()
		require.NoError(t, c.AddResource("urn:refuse-all", map[string]any{"not": map[string]any{}}))
		s, err := c.Compile("urn:refuse-all")
		require.NoError(t, err)
		return s
	}
	rec := []byte(`{"id":"o1","type":"order_created",` + ts + `}`)
	for _, tc := range []struct {
		name    string
		all     bool
		n       int
		refused []int // 1-based numbers of the events refused
	}{
		{name: "a sample", n: 2050, refused: []int{1, 1025, 2049}},
		{name: "every event", all: true, n: 3, refused: []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestPreparer(t)
			p.schema, p.validateAll = refuseAll(t), tc.all
			var refused []int
			for i := 1; i <= tc.n; i++ {
				_, err := p.Prepare("s", int64(i), rec)
				if err == nil {
					continue
				}
				refused = append(refused, i)
				rej := assertRule(t, err, "", RuleSchema)
				assert.True(t, strings.Contains(rej.Message, "defect of the connector"), rej.Message)
			}
			assert.Equal(t, tc.refused, refused)
		})
	}
}
