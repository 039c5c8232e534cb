package destination

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// memoryTransport serves requests with an http.Handler in memory, so that a write can run
// inside a testing/synctest bubble: no socket, and every wait (backoff, pause, flush, grace)
// on the bubble's fake clock. A handler that aborts (the fake API's connection resets) is a
// transport error, as a reset connection is.
type memoryTransport struct{ h http.Handler }

func (m memoryTransport) RoundTrip(r *http.Request) (res *http.Response, err error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler { //nolint:errorlint // the sentinel itself is what handlers panic with
				panic(p)
			}
			res, err = nil, errors.New("the connection was reset")
		}
	}()
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// bubbleWriter wires a write for cfg and catalog (see writeFilesFor) whose requests go to h in
// memory. Call it inside synctest.Test; stdout is what the write prints.
func bubbleWriter(t *testing.T, h http.Handler, cfg map[string]any, catalog string) (w *syncWriter, stdout *bytes.Buffer) {
	t.Helper()
	args := writeFilesFor(t, "http://127.0.0.1:9" /* never dialled: requests go to h */, cfg, catalog)
	stdout = &bytes.Buffer{}
	w, err := newSyncWriter(args[2], args[4], protocol.NewWriter(stdout), writeOptionsOf(Env{}), "test")
	require.NoError(t, err)
	w.deliver.client = NewClient(w.cfg, &http.Client{Transport: memoryTransport{h}}, "test")
	return w, stdout
}

// writeInBubble runs a write of stdin against h in memory, inside synctest.Test, and sorts
// what it printed.
func writeInBubble(t *testing.T, ctx context.Context, h http.Handler, cfg map[string]any, catalog string, stdin io.Reader) *writeResult {
	t.Helper()
	w, stdout := bubbleWriter(t, h, cfg, catalog)
	err := w.run(ctx, stdin)
	return parseWriteOutput(t, stdout, err)
}
