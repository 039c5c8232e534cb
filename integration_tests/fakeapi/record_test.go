package fakeapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateOnlyStoresNothing(t *testing.T) {
	f := newFake(t)
	r := f.post(t, pixWeb, true, ev("e1"), ev("e2"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"accepted_events":2}`, string(r.body))
	assert.Empty(t, f.api.Events())
	st := f.api.Stats()
	assert.Equal(t, int64(1), st.ValidateOnly)
	assert.Zero(t, st.EventsAccepted)
	assert.Zero(t, st.BatchesAccepted)

	// A validate-only probe does not touch dedup state.
	r = f.post(t, pixWeb, false, ev("e1"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, int64(1), f.api.Stats().EventsAccepted)
	assert.Zero(t, f.api.Stats().Duplicates)

	// An invalid validate-only request is refused as usual.
	r = f.post(t, pixWeb, true, with(ev("e3"), "data.amount", 1.5))
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, int64(1), f.api.Stats().ValidateOnly)
}

func TestDedup(t *testing.T) {
	f := newFake(t)
	lead := with(minimal("order_1", "lead_created"), "timestamp_ms", t0.UnixMilli()-1)
	// Within a batch, across batches, and against a different type or pixel.
	r := f.post(t, pixWeb, false, ev("order_1"), ev("order_1"), lead)
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"accepted_events":3}`, string(r.body), "duplicates are still accepted")
	r = f.post(t, pixWeb, false, ev("order_1"), ev("order_2"))
	assert.Equal(t, http.StatusOK, r.status)
	r = f.post(t, pixApp, false, ev("order_1"))
	assert.Equal(t, http.StatusOK, r.status)

	st := f.api.Stats()
	assert.Equal(t, int64(2), st.Duplicates)
	assert.Equal(t, int64(4), st.EventsAccepted)
	assert.Equal(t, int64(3), st.BatchesAccepted)
	var got []string
	for _, e := range f.api.Events() {
		got = append(got, e.PixelID+"/"+e.Type+"/"+e.ID)
	}
	assert.Equal(t, []string{
		"pxl_web/order_created/order_1", "pxl_web/lead_created/order_1",
		"pxl_web/order_created/order_2", "pxl_app/order_created/order_1",
	}, got)
}

func TestRawIsExactlyWhatWasSent(t *testing.T) {
	f := newFake(t)
	raw := `{ "id" : "a\u0062c", "type":"page_viewed","timestamp_ms":` + fmt.Sprint(t0.UnixMilli()) + `,"data":{"type":"contents"} }`
	r := f.mustDo(t, "POST", "/v1/events?pid="+pixWeb, convKey, []byte(`{"events":[`+raw+`]}`))
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	evs := f.api.Events()
	require.Len(t, evs, 1)
	assert.Equal(t, raw, string(evs[0].Raw))
	assert.Equal(t, "abc", evs[0].ID, "the id is decoded")
	assert.Equal(t, r.header.Get("x-request-id"), evs[0].RequestID)
}

func TestKeepEventsOff(t *testing.T) {
	f := newFake(t, func(o *Options) { o.KeepEvents = false })
	f.post(t, pixWeb, false, ev("a"), ev("a"))
	assert.Nil(t, f.api.Events())
	assert.Equal(t, int64(1), f.api.Stats().EventsAccepted)
	assert.Equal(t, int64(1), f.api.Stats().Duplicates)
}

func TestHeadersOnEveryResponse(t *testing.T) {
	f := newFake(t)
	f.api.Script(Fault{Kind: FaultBadGateway, Path: pixelsPath})
	replies := []reply{
		f.post(t, pixWeb, false, ev("a")),
		f.post(t, pixWeb, false, with(ev("a"), "id", 1)),
		f.mustDo(t, "GET", accountPath, "", nil),
		f.mustDo(t, "GET", accountPath, advKey, nil),
		f.mustDo(t, "GET", pixelsPath, advKey, nil),
		f.mustDo(t, "GET", "/v1/nope", advKey, nil),
	}
	seen := map[string]bool{}
	for i, r := range replies {
		id := r.header.Get("x-request-id")
		assert.Regexp(t, `^req_[0-9a-f]{32}$`, id, "reply %d", i)
		assert.False(t, seen[id], "reply %d: request ids are unique", i)
		seen[id] = true
		assert.Equal(t, "2020-10-01", r.header.Get("openai-version"), "reply %d", i)
	}
	assert.Equal(t, int64(len(replies)), f.api.Stats().Requests)
}

func TestConcurrentUse(t *testing.T) {
	f := newFake(t)
	f.api.RandomFaults(3, 0.2)
	const workers, batches, perBatch = 8, 10, 50
	var wg sync.WaitGroup
	statuses := make([][]int, workers) // each goroutine writes only its own slice
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				evs := make([]any, perBatch)
				for i := range evs {
					evs[i] = ev(fmt.Sprintf("w%d_b%d_e%d", w, b, i%(perBatch/2))) // half are duplicates
				}
				r, err := f.do(t, "POST", "/v1/events?pid="+pixWeb, convKey, body(t, false, evs...))
				if err != nil {
					statuses[w] = append(statuses[w], -1)
					continue
				}
				statuses[w] = append(statuses[w], r.status)
				_ = f.api.Stats()
				_ = f.api.Events()
			}
		})
	}
	wg.Wait()
	ok := int64(0)
	for _, ss := range statuses {
		for _, s := range ss {
			if s == http.StatusOK {
				ok++
			}
		}
	}
	st := f.api.Stats()
	assert.Equal(t, ok, st.BatchesAccepted)
	assert.Equal(t, ok*perBatch/2, st.EventsAccepted)
	assert.Equal(t, ok*perBatch/2, st.Duplicates)
	assert.Len(t, f.api.Events(), int(st.EventsAccepted))
	assert.Equal(t, int64(workers*batches), st.Requests)
	assert.GreaterOrEqual(t, st.MaxConcurrent, int64(1))
	assert.LessOrEqual(t, st.MaxConcurrent, int64(workers))
}

func TestControlEndpoints(t *testing.T) {
	f := newFake(t)
	f.api.Script(Fault{Kind: FaultInternal})
	f.post(t, pixWeb, false, ev("a"))
	f.post(t, pixWeb, false, ev("a"), ev("b"))

	r := f.mustDo(t, "GET", "/_fake/stats", "", nil)
	require.Equal(t, http.StatusOK, r.status)
	var st Stats
	require.NoError(t, json.Unmarshal(r.body, &st))
	assert.Equal(t, f.api.Stats(), st)
	assert.Contains(t, string(r.body), `"faults":{"internal_error":1}`)
	assert.Equal(t, int64(2), st.Requests, "control requests are not counted")

	r = f.mustDo(t, "GET", "/_fake/events", "", nil)
	require.Equal(t, http.StatusOK, r.status)
	var got struct{ Events []Received }
	require.NoError(t, json.Unmarshal(r.body, &got))
	require.Len(t, got.Events, 2)
	assert.Equal(t, "a", got.Events[0].ID)
	assert.JSONEq(t, string(f.api.Events()[1].Raw), string(got.Events[1].Raw))

	assert.Equal(t, http.StatusNotFound, f.mustDo(t, "GET", "/_fake/nope", "", nil).status)
	assert.Equal(t, http.StatusMethodNotAllowed, f.mustDo(t, "POST", "/_fake/stats", "", []byte("{}")).status)
}
