package fakeapi

import (
	"net/http/httptest"
	"testing"
)

// NewServer starts an httptest.Server serving New(opts) and registers a
// cleanup with tb that first releases held requests (API.Close) and then
// closes the server. Closing in the other order would block on any request
// held by FaultHang until its client gave up.
func NewServer(tb testing.TB, opts Options) (*API, *httptest.Server) {
	tb.Helper()
	api := New(opts)
	srv := httptest.NewServer(api)
	tb.Cleanup(func() {
		api.Close()
		srv.Close()
	})
	return api, srv
}
