package fakeapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScriptedResponses(t *testing.T) {
	tests := []struct {
		fault          Fault
		wantStatus     int
		wantRetryAfter string
		wantBody       string // substring
	}{
		{Fault{Kind: FaultRateLimit, RetryAfter: 1500 * time.Millisecond}, 429, "2", `"code":"rate_limit_exceeded"`},
		{Fault{Kind: FaultRateLimit}, 429, "1", `"type":"requests"`},
		{Fault{Kind: FaultRateLimitNoRetryAfter}, 429, "", `"code":"rate_limit_exceeded"`},
		{Fault{Kind: FaultInternal}, 500, "", `"type":"server_error"`},
		{Fault{Kind: FaultBadGateway}, 502, "", `<h1>502 Bad Gateway</h1>`},
		{Fault{Kind: FaultUnavailable}, 503, "", `{"error":{"message":"503: Authentication backend failure","type":"server_error","param":null,"code":null}}`},
		{Fault{Kind: FaultEchoAuth}, 500, "", `Authorization: Bearer ` + convKey},
		{Fault{Kind: FaultEchoAuth, Status: 401}, 401, "", `Authorization: Bearer ` + convKey},
		{Fault{Kind: FaultEchoKeyHTML}, 502, "", `refused token ` + convKey + ` at the edge`},
		{Fault{Kind: FaultAcceptedNone}, 200, "", `{"accepted_events":0}`},
		{Fault{Kind: FaultOKErrorBody}, 200, "", `{"error":{"code":null,"message":"The server had an error while processing your request.","param":null,"type":"server_error"}}`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v %d", tt.fault.Kind, tt.wantStatus), func(t *testing.T) {
			f := newFake(t)
			f.api.Script(tt.fault)
			r := f.post(t, pixWeb, false, ev("e"))
			assert.Equal(t, tt.wantStatus, r.status)
			assert.Equal(t, tt.wantRetryAfter, r.header.Get("Retry-After"))
			assert.Contains(t, string(r.body), tt.wantBody)
			assert.NotEmpty(t, r.header.Get("x-request-id"))
			assert.Equal(t, "2020-10-01", r.header.Get("openai-version"))
			assert.Empty(t, f.api.Events(), "a faulted batch is not stored")

			// The fault is served once; the retry succeeds.
			r = f.post(t, pixWeb, false, ev("e"))
			assert.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, map[FaultKind]int64{tt.fault.Kind: 1}, f.api.Stats().Faults)
		})
	}
}

func TestScriptOrderTimesAndFilters(t *testing.T) {
	f := newFake(t)
	f.api.Script(
		Fault{Kind: FaultInternal, Path: accountPath},
		Fault{Kind: FaultRateLimit, PixelID: pixApp, Times: 2},
		Fault{Kind: FaultUnavailable, Times: 2},
	)
	status := func(path string) int {
		if path == accountPath {
			return f.mustDo(t, "GET", path, advKey, nil).status
		}
		return f.post(t, path, false, ev("e")).status
	}
	// pxl_web skips the account-only and pxl_app-only faults and takes the 503s.
	assert.Equal(t, 503, status(pixWeb))
	assert.Equal(t, 429, status(pixApp))
	assert.Equal(t, 500, status(accountPath))
	assert.Equal(t, 429, status(pixApp))
	assert.Equal(t, 503, status(pixApp))
	assert.Equal(t, 200, status(pixApp))
	assert.Equal(t, 200, status(pixWeb))
	assert.Equal(t, 200, status(accountPath))
	assert.Equal(t, map[FaultKind]int64{FaultInternal: 1, FaultRateLimit: 2, FaultUnavailable: 2}, f.api.Stats().Faults)
}

func TestFaultsComeBeforeAuth(t *testing.T) {
	f := newFake(t)
	f.api.Script(Fault{Kind: FaultUnavailable})
	r := f.mustDo(t, "POST", "/v1/events?pid="+pixWeb, "", body(t, false, ev("e")))
	assert.Equal(t, 503, r.status, "the documented 503 comes from the auth backend")
}

func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 50 * time.Millisecond
		api := New(testOptions())
		api.Script(Fault{Kind: FaultLatency, Delay: d})
		status, held := serveInBubble(t, api, http.MethodPost, "/v1/events?pid="+pixWeb, convKey, body(t, false, ev("e")))
		assert.Equal(t, d, held, "held for the fault's delay, on the bubble's clock")
		assert.Equal(t, http.StatusOK, status, "a delayed request is then served normally")
		assert.Len(t, api.Events(), 1)
		assert.Equal(t, int64(1), api.Stats().Faults[FaultLatency])
	})
}

func TestLatencyOption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 30 * time.Millisecond
		api := New(testOptions(func(o *Options) { o.Latency = d }))
		status, held := serveInBubble(t, api, http.MethodGet, accountPath, advKey, nil)
		assert.Equal(t, d, held, "held for the option's latency, on the bubble's clock")
		assert.Equal(t, http.StatusOK, status)
	})
}

func TestHangUntilClientGivesUp(t *testing.T) {
	f := newFake(t)
	f.api.Script(Fault{Kind: FaultHang})
	f.client.Timeout = 100 * time.Millisecond
	_, err := f.do(t, "POST", "/v1/events?pid="+pixWeb, convKey, body(t, false, ev("e")))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "err: %v", err)
	assert.Equal(t, int64(1), f.api.Stats().Faults[FaultHang])
	assert.Empty(t, f.api.Events())
	// The handler returns once the client has gone; Cleanup's srv.Close would hang otherwise.
	require.Eventually(t, func() bool { return f.api.inflight.Load() == 0 }, 5*time.Second, 5*time.Millisecond)
}

func TestHangReleasedByCloseAndMaxConcurrent(t *testing.T) {
	f := newFake(t)
	f.api.Script(Fault{Kind: FaultHang, Path: accountPath, Times: 2})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := f.do(t, "GET", accountPath, advKey, nil)
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return f.api.inflight.Load() == 2 }, 5*time.Second, time.Millisecond)
	f.api.Close()
	for range 2 {
		assert.Error(t, <-errs, "a request released by Close is reset")
	}
	assert.Equal(t, int64(2), f.api.Stats().MaxConcurrent)
	assert.Equal(t, int64(2), f.api.Stats().Faults[FaultHang])
}

func TestConnectionReset(t *testing.T) {
	for _, kind := range []FaultKind{FaultReset, FaultResetMidBody} {
		t.Run(kind.String(), func(t *testing.T) {
			f := newFake(t)
			f.api.Script(Fault{Kind: kind})
			evs := make([]any, 200) // a body larger than one TCP segment
			for i := range evs {
				evs[i] = ev(fmt.Sprintf("e%d", i))
			}
			_, err := f.do(t, "POST", "/v1/events?pid="+pixWeb, convKey, body(t, false, evs...))
			require.Error(t, err)
			t.Logf("client saw: %v", err)
			assert.False(t, errors.Is(err, context.DeadlineExceeded), "err: %v", err)
			assert.Equal(t, int64(1), f.api.Stats().Faults[kind])
			assert.Empty(t, f.api.Events())
			r := f.post(t, pixWeb, false, evs...)
			assert.Equal(t, http.StatusOK, r.status, "the next request is served")
		})
	}
}

func TestPoison(t *testing.T) {
	f := newFake(t)
	f.api.Poison("bad_1", "bad_2")
	r := f.post(t, pixWeb, false, ev("ok_0"), ev("ok_1"), ev("bad_2"))
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "events[2].id", r.param())
	assert.Contains(t, r.detail(t).Message, "bad_2")
	assert.Equal(t, "poisoned_event", r.detail(t).Code)
	assertRefusalShape(t, r)

	r = f.post(t, pixWeb, false, ev("ok_0"), ev("ok_1"))
	assert.Equal(t, http.StatusOK, r.status, "a batch without the poison passes")
	r = f.post(t, pixWeb, false, ev("bad_1"))
	assert.Equal(t, http.StatusBadRequest, r.status, "poison stays in force")

	st := f.api.Stats()
	assert.Equal(t, int64(2), st.Faults[FaultPoison])
	assert.Equal(t, int64(2), st.EventsAccepted)
	assert.Equal(t, int64(2), st.BatchesRejected)
}

func TestRandomFaultsReproducible(t *testing.T) {
	run := func(seed int64) []int {
		f := newFake(t)
		f.api.RandomFaults(seed, 0.5)
		var got []int
		for i := range 40 {
			got = append(got, f.post(t, pixWeb, false, ev(fmt.Sprint(i))).status)
		}
		st := f.api.Stats()
		var faults int64
		for k, n := range st.Faults {
			assert.Contains(t, TransientFaults, k)
			faults += n
		}
		assert.Equal(t, faults+st.BatchesAccepted, int64(40))
		return got
	}
	a, b, c := run(7), run(7), run(8)
	assert.Equal(t, a, b, "the same seed gives the same faults")
	assert.NotEqual(t, a, c, "another seed gives other faults")
	assert.Contains(t, a, 200)
	assert.Greater(t, strings.Count(fmt.Sprint(a), "200"), 5)
	assert.Less(t, strings.Count(fmt.Sprint(a), "200"), 35)
}

func TestRandomFaultsOff(t *testing.T) {
	f := newFake(t)
	f.api.RandomFaults(1, 1, FaultInternal)
	assert.Equal(t, 500, f.post(t, pixWeb, false, ev("e")).status)
	f.api.RandomFaults(1, 0)
	assert.Equal(t, 200, f.post(t, pixWeb, false, ev("e")).status)
}

func TestFaultKindNames(t *testing.T) {
	for k := range faultNames {
		got, err := ParseFaultKind(k.String())
		require.NoError(t, err)
		assert.Equal(t, k, got)
	}
	_, err := ParseFaultKind("nope")
	assert.Error(t, err)
	api := New(Options{})
	assert.Panics(t, func() { api.Script(Fault{Kind: FaultPoison}) })
	assert.Panics(t, func() { api.Script(Fault{}) })
	assert.Panics(t, func() { api.RandomFaults(1, 0.5, FaultKind(99)) })
}
