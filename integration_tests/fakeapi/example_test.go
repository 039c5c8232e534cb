package fakeapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
)

// A test starts the fake, scripts a 429 and checks what arrived. In a test,
// fakeapi.NewServer(t, opts) does the first three lines and the cleanup.
func Example() {
	api := fakeapi.New(fakeapi.Options{
		Keys:       map[string]fakeapi.KeyKind{"sk-test": fakeapi.KeyConversions},
		Pixels:     fakeapi.WebPixels("pxl_web"),
		KeepEvents: true,
	})
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer api.Close() // runs first: releases any request held by FaultHang

	api.Script(fakeapi.Fault{Kind: fakeapi.FaultRateLimit, Path: "/v1/events"})

	body := `{"events":[{"id":"lead_1","type":"lead_created","timestamp_ms":` +
		strconv.FormatInt(time.Now().UnixMilli(), 10) + `,"data":{"type":"customer_action"}}]}`
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/events?pid=pxl_web", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer sk-test")
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	st := api.Stats()
	fmt.Println(st.EventsAccepted, st.Faults[fakeapi.FaultRateLimit], api.Events()[0].ID)
	// Output:
	// 429 Retry-After="1"
	// 200 Retry-After=""
	// 1 1 lead_1
}
