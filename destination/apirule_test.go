package destination

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRuleFromCode(t *testing.T) {
	cases := map[string]string{
		"invalid_event":           "invalid_event",
		"event_timestamp_too_old": "event_timestamp_too_old",
		"missing_event_data_type": "missing_event_data_type",
		"":                        "api_refused",
		"Invalid Event":           "api_refused",
		"_leading":                "api_refused",
		"9lives":                  "api_refused",
		"code-with-hyphen":        "api_refused",
		"a_very_long_code_that_goes_on_and_on_and_on_well_past_sixty_four_chars": "api_refused",
	}
	for code, want := range cases {
		assert.Equal(t, want, ruleFromCode(code), "code %q", code)
	}
}
