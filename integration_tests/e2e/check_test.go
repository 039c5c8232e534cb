package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	const (
		account = "/v1/ad_account"
		events  = "/v1/events"
	)
	tests := []struct {
		name   string
		key    string
		pixel  string // default_pixel_id; empty for none
		faults []fakeapi.Fault
		wrap   func(http.Handler) http.Handler
		// refused points both base URLs where nothing listens.
		refused bool
		// raw, when set, is the whole config file.
		raw []byte

		wantStatus  string // "" when no CONNECTION_STATUS is expected
		wantFailure string // the TRACE ERROR's failure_type; "" for none
		wantExit    int
		wantText    []string // in the status or trace messages
		wantWarn    string   // in a WARN log
	}{
		{name: "good key", key: keyBoth, pixel: "pxl_a",
			wantStatus: "SUCCEEDED", wantText: []string{"Demo Ads Account", "pxl_a"}},
		{name: "good key without a pixel probes the listed pixels", key: keyBoth,
			wantStatus: "SUCCEEDED", wantText: []string{"pxl_a", "pxl_b"}},
		{name: "conversions key: ad account refused 401, pixel accepts", key: keyConversions, pixel: "pxl_a",
			wantStatus: "SUCCEEDED", wantText: []string{"pxl_a"}, wantWarn: "HTTP 401"},
		{name: "conversions key without a pixel: ad account refused 401", key: keyConversions,
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"HTTP 401", "Set a Default Pixel ID: "}},
		{name: "ad account refused 403, pixel accepts", key: keyBoth, pixel: "pxl_a",
			wrap:       withStatus(account, http.StatusForbidden, "Forbidden."),
			wantStatus: "SUCCEEDED", wantText: []string{"pxl_a"}, wantWarn: "HTTP 403"},
		{name: "ad account refused 403 without a pixel", key: keyBoth,
			wrap:       withStatus(account, http.StatusForbidden, "Forbidden."),
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"HTTP 403"}},
		{name: "unknown key", key: keyUnknown, pixel: "pxl_a",
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"refused this API key"}},
		{name: "key refused on the probe with the key echoed", key: keyBoth, pixel: "pxl_a",
			faults:     []fakeapi.Fault{{Kind: fakeapi.FaultEchoAuth, Path: events, Status: 401, Times: 3}},
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"events endpoint refuses it (HTTP 401)", "Conversions API key"}},
		{name: "advertiser key lacks the events scope", key: keyAdvertiser, pixel: "pxl_a",
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"ads.third_party_events.write"}},
		{name: "advertiser key without a pixel lacks the events scope on the listed pixels", key: keyAdvertiser,
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"ads.third_party_events.write"}},
		{name: "pixel refused", key: keyBoth, pixel: "pxl_unknown",
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{`does not know Pixel ID "pxl_unknown"`, "403: unknown pid"}},
		{name: "5xx that recovers", key: keyBoth, pixel: "pxl_a",
			faults: []fakeapi.Fault{
				{Kind: fakeapi.FaultInternal, Path: account},
				{Kind: fakeapi.FaultBadGateway, Path: account},
				{Kind: fakeapi.FaultUnavailable, Path: events},
			},
			wantStatus: "SUCCEEDED"},
		{name: "5xx that persists", key: keyBoth, pixel: "pxl_a",
			faults:     []fakeapi.Fault{{Kind: fakeapi.FaultUnavailable, Times: 100}},
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"503", "try again later"}},
		{name: "5xx that persists with the key echoed", key: keyBoth, pixel: "pxl_a",
			faults:     []fakeapi.Fault{{Kind: fakeapi.FaultEchoAuth, Status: 500, Times: 100}},
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"500"}},
		{name: "5xx that persists on the Ads API while events work", key: keyBoth, pixel: "pxl_a",
			faults:     []fakeapi.Fault{{Kind: fakeapi.FaultUnavailable, Path: account, Times: 100}},
			wantStatus: "SUCCEEDED", wantText: []string{"pxl_a"}, wantWarn: "could not be read"},
		{name: "rate limited", key: keyBoth, pixel: "pxl_a",
			faults:     []fakeapi.Fault{{Kind: fakeapi.FaultRateLimit, Times: 100}},
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"429"}},
		{name: "connection refused", key: keyBoth, pixel: "pxl_a", refused: true,
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"Could not reach"}},
		{name: "a base URL that is not the OpenAI API", key: keyBoth,
			wrap:       withBody(account, "<html>not json</html>"),
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"did not answer like the OpenAI API"}},
		{name: "unexpected answer to the probe is a system error", key: keyBoth, pixel: "pxl_a",
			wrap:        withStatus(events, http.StatusBadRequest, "Invalid value for 'events[0].type'."),
			wantFailure: "system_error", wantExit: 1},
		{name: "invalid config reports every problem", raw: []byte(`{"api_key":"` + keyBoth + ` x","batch_size":0,"colour":"blue",` +
			`"default_pixel_id":"pxl a","conversions_api_base_url":"http://example.com","max_in_flight":"many"}`),
			wantStatus: "FAILED", wantFailure: "config_error",
			wantText: []string{"api_key", "batch_size", "colour", "default_pixel_id", "conversions_api_base_url", "max_in_flight"}},
		{name: "config that is not JSON", raw: []byte(`{"api_key": "` + keyBoth + `",`),
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"config.json has invalid JSON at byte "}},
		{name: "base URL with a path", raw: []byte(`{"api_key": "` + keyBoth + `", "ads_api_base_url": "http://127.0.0.1:1/v1"}`),
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"ads_api_base_url: must not contain a path"}},
		{name: "unknown time zone", raw: []byte(`{"api_key": "` + keyBoth + `", "timestamp_time_zone": "Mars/Olympus"}`),
			wantStatus: "FAILED", wantFailure: "config_error", wantText: []string{"timestamp_time_zone: must be an IANA time zone name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := startFake(t, fakeapi.WebPixels("pxl_a", "pxl_b"), tt.wrap)
			f.api.Script(tt.faults...)
			cfg := baseConfig(f, tt.key)
			if tt.pixel != "" {
				cfg["default_pixel_id"] = tt.pixel
			}
			if tt.refused {
				cfg["conversions_api_base_url"], cfg["ads_api_base_url"] = connectortest.ClosedURL(t), connectortest.ClosedURL(t)
			}
			var file any = cfg
			if tt.raw != nil {
				file = tt.raw
			}
			r := run(t, nil, "check", "--config", connectortest.WriteFile(t, "config.json", file))

			checkCommon(t, r)
			assert.Equal(t, tt.wantExit, r.Exit, "exit code; stdout:\n%s", r.Stdout)
			statuses := r.OfType("CONNECTION_STATUS")
			var texts []string
			if tt.wantStatus == "" {
				assert.Empty(t, statuses, "no CONNECTION_STATUS")
			} else if assert.Len(t, statuses, 1, "one CONNECTION_STATUS; stdout:\n%s", r.Stdout) {
				assert.Equal(t, tt.wantStatus, statuses[0].Status.Status, "status; stdout:\n%s", r.Stdout)
				assert.NotEmpty(t, statuses[0].Status.Message)
				texts = append(texts, statuses[0].Status.Message)
			}
			if tt.wantFailure == "" {
				assert.Empty(t, r.ErrorTraces(), "no TRACE ERROR; stdout:\n%s", r.Stdout)
			} else {
				kind, msg := r.Failure(t)
				assert.Equal(t, tt.wantFailure, kind, "failure_type")
				texts = append(texts, msg)
			}
			for _, want := range tt.wantText {
				assert.True(t, containsAll(texts, want), "%q in the messages %q", want, texts)
			}
			if tt.wantWarn != "" {
				assert.True(t, containsAll(r.Logs("WARN"), tt.wantWarn), "%q in a WARN log; stdout:\n%s", tt.wantWarn, r.Stdout)
			}
		})
	}
}

func TestSpecPrintsOneSpecMessage(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "spec")
	checkCommon(t, r)
	assert.Equal(t, 0, r.Exit)
	if assert.Len(t, r.Messages, 1) {
		assert.Equal(t, "SPEC", r.Messages[0].Type)
		assert.Contains(t, string(r.Messages[0].Raw["spec"]), `"connectionSpecification"`)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{}, {"check"}, {"write", "--config", "x.json"}, {"frobnicate"}} {
		p := start(t, args...)
		p.CloseInput()
		r := p.Wait()
		assert.Equal(t, 2, r.Exit, "exit code of %q", args)
		assert.Empty(t, r.Stdout, "no protocol output for %q", args)
		assert.NotEmpty(t, r.Stderr, "usage on stderr for %q", args)
	}
}
