package fakeapi

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultAnswerServesWhatItIsGiven(t *testing.T) {
	cases := []struct {
		name       string
		fault      Fault
		wantStatus int
	}{
		{name: "a status, a header and a body", wantStatus: 404,
			fault: Fault{Kind: FaultAnswer, Path: eventsPath, Status: 404, Header: map[string]string{"x-extra": "1"}, Body: `{"error":{"message":"Not found"}}`}},
		{name: "no status is a 500", wantStatus: 500, fault: Fault{Kind: FaultAnswer, Path: eventsPath, Body: "plain"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.api.Script(c.fault)
			r := f.post(t, pixWeb, true, ev("e"))
			assert.Equal(t, c.wantStatus, r.status)
			assert.Equal(t, c.fault.Body, string(r.body))
			for k, v := range c.fault.Header {
				assert.Equal(t, v, r.header.Get(k))
			}
			assert.NotEmpty(t, r.header.Get("x-request-id"), "an API answer like any other")
			assert.Equal(t, http.StatusOK, f.post(t, pixWeb, true, ev("e")).status, "served once")
		})
	}
}

func TestRequestsAreRecordedOnlyWhenAsked(t *testing.T) {
	f := newFake(t, func(o *Options) { o.KeepRequests = true })
	f.mustDo(t, "GET", "/v1/ad_account?x=1", advKey, nil)
	body := f.post(t, pixWeb, true, ev("e"))
	require.Equal(t, http.StatusOK, body.status, "the recorded body still reaches the handler")
	got := f.api.Requests()
	require.Len(t, got, 2)
	assert.Equal(t, Request{Method: "GET", Path: accountPath, Query: "x=1", Authorization: "Bearer " + advKey, Body: []byte{}}, got[0])
	assert.Equal(t, "POST", got[1].Method)
	assert.Equal(t, "pid="+pixWeb, got[1].Query)
	assert.Equal(t, "application/json", got[1].ContentType)
	assert.True(t, json.Valid(got[1].Body), "the body as sent: %s", got[1].Body)

	plain := newFake(t)
	plain.mustDo(t, "GET", "/v1/ad_account", advKey, nil)
	assert.Nil(t, plain.api.Requests())
}

func TestPixelPages(t *testing.T) {
	pixels := WebPixels("pa", "pb", "pc", "pd", "pe")
	cases := []struct {
		name     string
		pageSize int
		query    string
		wantIDs  []string
		wantMore bool
	}{
		{name: "one page by default", query: "limit=100", wantIDs: []string{"pa", "pb", "pc", "pd", "pe"}},
		{name: "the first page", pageSize: 2, query: "limit=100", wantIDs: []string{"pa", "pb"}, wantMore: true},
		{name: "after the first page", pageSize: 2, query: "limit=100&after=cds_pb", wantIDs: []string{"pc", "pd"}, wantMore: true},
		{name: "the last page", pageSize: 2, query: "after=cds_pd", wantIDs: []string{"pe"}},
		{name: "a smaller limit wins", pageSize: 3, query: "limit=1", wantIDs: []string{"pa"}, wantMore: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, func(o *Options) { o.Pixels, o.PixelPageSize = pixels, c.pageSize })
			r := f.mustDo(t, "GET", pixelsPath+"?"+c.query, advKey, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var page struct {
				Data    []Pixel `json:"data"`
				LastID  string  `json:"last_id"`
				HasMore bool    `json:"has_more"`
			}
			require.NoError(t, json.Unmarshal(r.body, &page))
			var ids []string
			for _, p := range page.Data {
				ids = append(ids, p.PixelID)
			}
			assert.Equal(t, c.wantIDs, ids)
			assert.Equal(t, c.wantMore, page.HasMore)
			assert.Equal(t, "cds_"+c.wantIDs[len(c.wantIDs)-1], page.LastID)
		})
	}
}
