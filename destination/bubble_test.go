package destination

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

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
// memory, with the clock now (nil: time.Now, the bubble's). Call it inside synctest.Test;
// stdout is what the write prints.
func bubbleWriter(t *testing.T, h http.Handler, cfg map[string]any, catalog string, now func() time.Time) (w *syncWriter, stdout *bytes.Buffer) {
	t.Helper()
	args := writeFilesFor(t, "http://127.0.0.1:9" /* never dialled: requests go to h */, cfg, catalog)
	stdout = &bytes.Buffer{}
	w, err := newSyncWriter(args[2], args[4], protocol.NewWriter(stdout), writeOptionsOf(Env{Now: now}), "test")
	require.NoError(t, err)
	w.deliver.client = newClientAt(w.cfg, &http.Client{Transport: memoryTransport{h}}, "test", now)
	return w, stdout
}

// writeInBubble runs a write of stdin against h in memory, inside synctest.Test, with the
// clock now (nil: the bubble's), and sorts what it printed.
func writeInBubble(t *testing.T, ctx context.Context, h http.Handler, cfg map[string]any, catalog string, stdin io.Reader, now func() time.Time) *writeResult {
	t.Helper()
	w, stdout := bubbleWriter(t, h, cfg, catalog, now)
	err := w.run(ctx, stdin)
	return parseWriteOutput(t, stdout, err)
}

// scriptedAnswers answers events requests with canned answers, in order (the last one
// repeats), and records the event ids of every request. It is for the answers the fake API
// never gives: several events named in one answer, an index the batch does not have, a
// refusal that names nothing or the request itself.
type scriptedAnswers struct {
	answers []cannedAnswer

	mu   sync.Mutex
	sent [][]string // event ids, by request
}

// cannedAnswer is one answer of scriptedAnswers.
type cannedAnswer struct {
	status int
	body   string
}

func (s *scriptedAnswers) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var req struct {
		Events []struct {
			ID string `json:"id"`
		} `json:"events"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	ids := []string{}
	for _, e := range req.Events {
		ids = append(ids, e.ID)
	}
	s.mu.Lock()
	s.sent = append(s.sent, ids)
	a := s.answers[min(len(s.sent), len(s.answers))-1]
	s.mu.Unlock()
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(a.status)
	_, _ = io.WriteString(rw, a.body)
}

// requests returns the event ids of every request so far.
func (s *scriptedAnswers) requests() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}
