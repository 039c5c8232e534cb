package destination

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseConfigAppliesDefaults(t *testing.T) {
	c, err := ParseConfig([]byte(`{"api_key":"  sk-test-0123456789abcdef \n","continue_on_errors":true}`))
	require.NoError(t, err)
	assert.Equal(t, "sk-test-0123456789abcdef", c.APIKey.Reveal())
	assert.True(t, c.ContinueOnErrors)
	assert.Equal(t, DefaultConversionsAPIBaseURL, c.ConversionsAPIBaseURL)
	assert.Equal(t, DefaultAdsAPIBaseURL, c.AdsAPIBaseURL)
	assert.Equal(t, 1000, c.BatchSize)
	assert.Equal(t, DefaultMaxInFlight, c.MaxInFlight)
	assert.Equal(t, 30, c.RequestTimeoutSeconds)
	assert.Equal(t, 300, c.MaxRetrySeconds)
}

func TestParseConfigKeepsMeaningfulZeros(t *testing.T) {
	c, err := ParseConfig([]byte(`{"api_key":"sk-config-test-0123456789","continue_on_errors":false,"max_retry_seconds":0}`))
	require.NoError(t, err)
	assert.Equal(t, 0, c.MaxRetrySeconds, "0 means no retries, not the default")

	_, err = ParseConfig([]byte(`{"api_key":"sk-config-test-0123456789","continue_on_errors":false,"batch_size":0}`))
	assert.ErrorContains(t, err, "batch_size: must be between 1 and 1000")
}

func TestParseConfigReportsEveryProblemNamingItsField(t *testing.T) {
	_, err := ParseConfig([]byte(`{
		"api_key": "has space",
		"batch_size": 1001,
		"max_in_flight": "many",
		"request_timeout_seconds": 0,
		"max_retry_seconds": -1,
		"default_pixel_id": "a b",
		"stream_pixels": [{"stream_name":"orders","pixel_id":"p1"},{"stream_name":"orders","pixel_id":"p2"},{"pixel_id":""}],
		"conversions_api_base_url": "http://bzr.openai.com",
		"ads_api_base_url": "ftp://x",
		"valdate_only": true
	}`))
	require.Error(t, err)
	fields := map[string]bool{}
	for _, e := range flatten(err) {
		var fe *FieldError
		require.True(t, errors.As(e, &fe), "every problem is a FieldError: %v", e)
		fields[fe.Field] = true
	}
	for _, f := range []string{"api_key", "batch_size", "max_in_flight", "request_timeout_seconds", "max_retry_seconds",
		"default_pixel_id", "stream_pixels[1]", "stream_pixels[2].stream_name", "stream_pixels[2].pixel_id",
		"conversions_api_base_url", "ads_api_base_url", "valdate_only"} {
		assert.True(t, fields[f], "a problem names %s; got %v", f, fields)
	}
	assert.NotContains(t, err.Error(), "has space", "the key is never quoted")
}

func TestParseConfigBaseURLs(t *testing.T) {
	cases := []struct {
		url  string
		want string // a part of the problem; empty when the URL is accepted
	}{
		{"https://bzr.openai.com", ""},
		{"https://bzr.openai.com/", ""},
		{"https://bzr.openai.com//", ""},
		{"http://127.0.0.1:8080", ""},
		{"http://127.5.6.7", ""},
		{"http://localhost:9", ""},
		{"http://[::1]:9", ""},
		{"", ""}, // empty means the default
		{"http://bzr.openai.com", "must use https://"},
		{"http://10.0.0.1", "must use https://"},
		{"https://user:pw@bzr.openai.com", "must not contain a user name or password"},
		{"https://bzr.openai.com?x=1", "must not contain a query or a fragment"},
		{"https://bzr.openai.com/?", "must not contain a query or a fragment"},
		{"https://bzr.openai.com#top", "must not contain a query or a fragment"},
		{"https://bzr.openai.com/#", "must not contain a query or a fragment"},
		{"https://bzr.openai.com/v1", "must not contain a path"},
		{"http://127.0.0.1:8080/v1/", "must not contain a path"},
		{"https://proxy.example.com/openai", "must not contain a path"},
		{"bzr.openai.com", "must be an absolute URL"},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			_, err := ParseConfig([]byte(fmt.Sprintf(`{"api_key":"sk-config-test-0123456789","conversions_api_base_url":%q,"ads_api_base_url":%q}`, c.url, c.url)))
			if c.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, "conversions_api_base_url: "+c.want)
			assert.ErrorContains(t, err, "ads_api_base_url: "+c.want)
		})
	}
}

func TestParseConfigRefusesWhatIsNotAnObject(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, "has invalid JSON at byte 0"},
		{`{`, "has invalid JSON at byte 1"},
		{`{"api_key": "sk-config-test-0123456789",}`, "has invalid JSON at byte 41"},
		{`{"api_key": "sk-config-test-0123456789"} x`, "has invalid JSON at byte 42"},
		{`[]`, "must be a JSON object"},
		{`null`, "must be a JSON object"},
		{`"x"`, "must be a JSON object"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.in))
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, configField, fe.Field)
			assert.EqualError(t, fe.Err, tc.want)
		})
	}
}

func TestParseConfigContinueOnErrorsDefaultsToOff(t *testing.T) {
	c, err := ParseConfig([]byte(`{"api_key":"sk-config-test-0123456789"}`))
	require.NoError(t, err, "a hand-written config may leave continue_on_errors out")
	assert.False(t, c.ContinueOnErrors)
	c, err = ParseConfig([]byte(`{"api_key":"sk-config-test-0123456789","continue_on_errors":null}`))
	require.NoError(t, err)
	assert.False(t, c.ContinueOnErrors)
}

func TestParseConfigTimestampTimeZone(t *testing.T) {
	for _, tc := range []struct {
		name, value string // value is the JSON value; empty leaves the field out
		want        string // the zone, or a part of the problem
		ok          bool
	}{
		{name: "left out", want: "UTC", ok: true},
		{name: "blank", value: `"  "`, want: "UTC", ok: true},
		{name: "UTC", value: `"UTC"`, want: "UTC", ok: true},
		{name: "a region", value: `"Europe/Paris"`, want: "Europe/Paris", ok: true},
		{name: "trimmed", value: `" America/New_York "`, want: "America/New_York", ok: true},
		{name: "a fixed offset name", value: `"Etc/GMT-3"`, want: "Etc/GMT-3", ok: true},
		{name: "unknown", value: `"Mars/Olympus"`, want: "timestamp_time_zone: must be an IANA time zone name"},
		{name: "an offset is not a zone name", value: `"+02:00"`, want: "timestamp_time_zone: must be an IANA time zone name"},
		{name: "the machine's zone", value: `"Local"`, want: "timestamp_time_zone: must be an IANA time zone name"},
		{name: "a number", value: `2`, want: "timestamp_time_zone: must be a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := `{"api_key":"sk-config-test-0123456789"}`
			if tc.value != "" {
				in = `{"api_key":"sk-config-test-0123456789","timestamp_time_zone":` + tc.value + `}`
			}
			c, err := ParseConfig([]byte(in))
			if !tc.ok {
				assert.ErrorContains(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.TimeZone().String())
		})
	}
}

func TestConfigPixelsListsEachOnceDefaultFirst(t *testing.T) {
	c := &Config{DefaultPixelID: "d", StreamPixels: []StreamPixel{{StreamName: "a", PixelID: "p"}, {StreamName: "b", PixelID: "d"}, {StreamName: "c", PixelID: "q"}}}
	assert.Equal(t, []string{"d", "p", "q"}, c.Pixels())
}

func TestParseConfigRefusesUnknownFieldsInStreamPixels(t *testing.T) {
	_, err := ParseConfig([]byte(`{"api_key":"sk-config-test-0123456789","continue_on_errors":false,
		"stream_pixels":[{"stream_name":"a","pixel_id":"p"},{"stream_name":"b","pixel_id":"q","namespace":"x"},"oops"]}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stream_pixels[1]: has an unknown field")
	assert.Contains(t, err.Error(), "stream_pixels[2]: must be an object")
	assert.NotContains(t, err.Error(), "stream_pixels[0]")
	assert.NotContains(t, err.Error(), "stream_pixels[2].pixel_id", "a field that failed to decode is not judged again")
}

func TestParseConfigSaysOneThingPerBadField(t *testing.T) {
	_, err := ParseConfig([]byte(`{"api_key":5,"continue_on_errors":false}`))
	require.Error(t, err)
	assert.Len(t, flatten(err), 1, "a wrongly typed key is not also reported missing: %v", err)
	assert.Contains(t, err.Error(), "api_key: must be a string")
}

func TestParseConfigDefaultActionSource(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, problem string
	}{
		{name: "absent means none", in: `{"api_key":"sk-config-test-0123456789","continue_on_errors":true}`},
		{name: "a documented value", in: `{"api_key":"sk-config-test-0123456789","continue_on_errors":true,"default_action_source":" offline "}`, want: "offline"},
		{name: "another value is refused", in: `{"api_key":"sk-config-test-0123456789","continue_on_errors":true,"default_action_source":"app"}`, problem: "default_action_source: must be one of web, mobile_app, offline, physical_store, phone_call, email, other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tc.in))
			if tc.problem != "" {
				assert.ErrorContains(t, err, tc.problem)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.DefaultActionSource)
		})
	}
}

// TestParseConfigRefusesKeysThatCannotBeReal names the field and never quotes the key.
func TestParseConfigRefusesKeysThatCannotBeReal(t *testing.T) {
	tests := []struct {
		name, key string
		problem   string // "" when the key is accepted
	}{
		{name: "a real-looking key", key: "sk-svcacct-q7Xv3Lm9Tp2Wd8Rk4Hs6Nf1Bc5Yg0Ju"},
		{name: "the demo key", key: "sk-demo-conversions-key"},
		{name: "one letter", key: "e", problem: "is too short"},
		{name: "a protocol word", key: "config_error", problem: "is too short"},
		{name: "nineteen characters", key: "sk-0123456789abcdef", problem: "is too short"},
		{name: "a word", key: "conversionsapikeyforopenai", problem: "is too plain"},
		{name: "a placeholder", key: "xxxxxxxxxxxxxxxxxxxxxxxx", problem: "is too plain"},
		{name: "few distinct characters", key: "ab-ab-ab-ab-ab-ab-ab-ab", problem: "is too plain"},
		{name: "a control character", key: "sk-svcacct-q7Xv3Lm9\x01Tp2Wd8Rk4Hs6", problem: "must not contain control characters"},
		{name: "DEL", key: "sk-svcacct-q7Xv3Lm9\x7fTp2Wd8Rk4Hs6", problem: "must not contain control characters"},
		{name: "a line break inside", key: "sk-svcacct-q7Xv3Lm9\nTp2Wd8Rk4Hs6", problem: "must not contain spaces or line breaks"},
		{name: "a non-ASCII letter", key: "sk-svcacct-q7Xv3Lm9éTp2Wd8Rk4Hs6", problem: "must contain only letters, digits and punctuation of plain ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := json.Marshal(map[string]any{"api_key": tt.key})
			require.NoError(t, err)
			_, err = ParseConfig(cfg)
			if tt.problem == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Len(t, flatten(err), 1, "%v", err)
			assert.ErrorContains(t, err, "api_key: "+tt.problem)
			if len(tt.key) > 1 {
				assert.NotContains(t, err.Error(), tt.key, "the key is never quoted")
			}
		})
	}
}
