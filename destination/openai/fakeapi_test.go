package openai

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
)

// fakeClient is a Client of the in-repo fake API, which knows testKey as a key of kind.
func fakeClient(t *testing.T, kind fakeapi.KeyKind, opts fakeapi.Options) (*Client, *fakeapi.API) {
	t.Helper()
	opts.Keys = map[string]fakeapi.KeyKind{testKey: kind}
	api, srv := fakeapi.NewServer(t, opts)
	return NewClient(Options{Key: testKey, ConversionsBase: srv.URL, AdsBase: srv.URL, HTTP: srv.Client(), Version: "test"}), api
}

// TestClientAgainstTheFakeAPI makes each call once against the in-repo fake API and checks
// what it decoded or how it classified the answer.
func TestClientAgainstTheFakeAPI(t *testing.T) {
	now := time.Now()
	probe := func() []byte {
		return []byte(`{"validate_only":true,"events":[{"id":"e1","type":"lead_created","timestamp_ms":` +
			formatMillis(now) + `,"action_source":"other","data":{"type":"customer_action"}}]}`)
	}
	t.Run("the ad account", func(t *testing.T) {
		c, _ := fakeClient(t, fakeapi.KeyAdvertiser, fakeapi.Options{})
		a, err := c.AdAccount(t.Context())
		require.NoError(t, err)
		assert.Equal(t, fakeapi.DefaultAccount.ID, a.ID)
		assert.Equal(t, fakeapi.DefaultAccount.Name, a.Name)
	})
	t.Run("the pixels, every page", func(t *testing.T) {
		c, api := fakeClient(t, fakeapi.KeyAdvertiser, fakeapi.Options{Pixels: fakeapi.WebPixels("pa", "pb", "pc"), PixelPageSize: 2})
		pixels, err := c.Pixels(t.Context())
		require.NoError(t, err)
		var ids []string
		for _, p := range pixels {
			ids = append(ids, p.PixelID)
		}
		assert.Equal(t, []string{"pa", "pb", "pc"}, ids)
		assert.Equal(t, int64(2), api.Stats().Requests, "two pages")
	})
	t.Run("a validate-only event", func(t *testing.T) {
		c, _ := fakeClient(t, fakeapi.KeyConversions, fakeapi.Options{Pixels: fakeapi.WebPixels("p1")})
		res, err := c.PostEvents(t.Context(), "p1", probe())
		require.NoError(t, err)
		assert.Empty(t, res.Mismatch(1))
		assert.NotEmpty(t, res.RequestID)
	})
	cases := []struct {
		name string
		kind fakeapi.KeyKind
		call func(c *Client) error
		want ErrorClass
	}{
		{name: "an Advertiser key sends events", kind: fakeapi.KeyAdvertiser, want: ClassMissingScopes,
			call: func(c *Client) error { _, err := c.PostEvents(t.Context(), "p1", probe()); return err }},
		{name: "a Conversions key reads the account", kind: fakeapi.KeyConversions, want: ClassMissingScopes,
			call: func(c *Client) error { _, err := c.AdAccount(t.Context()); return err }},
		{name: "an unknown pixel", kind: fakeapi.KeyConversions, want: ClassUnknownPixel,
			call: func(c *Client) error { _, err := c.PostEvents(t.Context(), "pxl_gone", probe()); return err }},
		{name: "a key that allows nothing", want: ClassMissingScopes,
			call: func(c *Client) error { _, err := c.Pixels(t.Context()); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client, _ := fakeClient(t, c.kind, fakeapi.Options{Pixels: fakeapi.WebPixels("p1")})
			var apiErr *APIError
			require.ErrorAs(t, c.call(client), &apiErr)
			assert.Equal(t, c.want, apiErr.Class())
			assert.False(t, apiErr.Retryable())
			assert.NotEmpty(t, apiErr.RequestID)
		})
	}
}

func formatMillis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
