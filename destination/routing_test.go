package destination

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

func configured(name, namespace string, mode protocol.SyncMode, object string) protocol.ConfiguredStream {
	return protocol.ConfiguredStream{
		Stream:                protocol.Stream{Name: name, Namespace: namespace},
		SyncMode:              "incremental",
		DestinationSyncMode:   mode,
		DestinationObjectName: object,
	}
}

func TestResolveRoutesPicksEachStreamsPixel(t *testing.T) {
	cfg := &Config{DefaultPixelID: "default", StreamPixels: []StreamPixel{
		{StreamName: "orders", PixelID: "orders-any-namespace"},
		{StreamName: "orders", StreamNamespace: "eu", PixelID: "orders-eu"},
		{StreamName: "leads", PixelID: "leads-pixel"},
	}}
	catalog := &protocol.ConfiguredCatalog{Streams: []protocol.ConfiguredStream{
		configured("orders", "us", protocol.SyncAppend, ""),
		configured("orders", "eu", protocol.SyncAppend, ""),
		configured("leads", "", protocol.SyncAppendDedup, "chosen-in-the-ui"),
		configured("signups", "", protocol.SyncAppend, ""),
	}}
	r, err := resolveRoutes(cfg, catalog)
	require.NoError(t, err)
	want := map[[2]string]string{
		{"us", "orders"}: "orders-any-namespace",
		{"eu", "orders"}: "orders-eu",
		{"", "leads"}:    "chosen-in-the-ui",
		{"", "signups"}:  "default",
	}
	for k, pixel := range want {
		rt, ok := r.lookup(k[0], k[1])
		require.True(t, ok, "%v is routed", k)
		assert.Equal(t, pixel, rt.pixel, "%v", k)
	}
	_, ok := r.lookup("", "orders")
	assert.False(t, ok, "a stream outside the catalog has no route")
}

func TestResolveRoutesNamesEveryStreamWithoutAPixel(t *testing.T) {
	catalog := &protocol.ConfiguredCatalog{Streams: []protocol.ConfiguredStream{
		configured("b", "", protocol.SyncAppend, ""),
		configured("a", "ns", protocol.SyncAppend, ""),
		configured("c", "", protocol.SyncAppend, "px"),
	}}
	_, err := resolveRoutes(&Config{}, catalog)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"b"`)
	assert.Contains(t, err.Error(), `"ns.a"`)
	assert.NotContains(t, err.Error(), `"c"`)
	assert.Contains(t, err.Error(), "Default Pixel ID")
}

func TestResolveRoutesRefusesOverwrite(t *testing.T) {
	catalog := &protocol.ConfiguredCatalog{Streams: []protocol.ConfiguredStream{
		configured("orders", "", protocol.SyncOverwrite, ""),
		configured("leads", "", protocol.SyncUpdate, ""),
	}}
	_, err := resolveRoutes(&Config{DefaultPixelID: "p"}, catalog)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "overwrite")
	assert.Contains(t, err.Error(), "cannot be deleted")
	assert.Contains(t, err.Error(), `"update"`)
}

func TestResolveRoutesRefusesAnEmptyOrRepeatingCatalog(t *testing.T) {
	_, err := resolveRoutes(&Config{DefaultPixelID: "p"}, &protocol.ConfiguredCatalog{})
	assert.ErrorContains(t, err, "names no stream")

	twice := &protocol.ConfiguredCatalog{Streams: []protocol.ConfiguredStream{
		configured("orders", "", protocol.SyncAppend, "a"),
		configured("orders", "", protocol.SyncAppend, "b"),
	}}
	_, err = resolveRoutes(&Config{}, twice)
	assert.ErrorContains(t, err, `stream "orders" is listed twice`)
}
