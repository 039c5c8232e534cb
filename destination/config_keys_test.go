package destination

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHasUnknownKey decides on the keys themselves, as encoding/json matches them, never on
// the text of a decoding error.
func TestHasUnknownKey(t *testing.T) {
	cases := []struct {
		name, obj string
		want      bool
	}{
		{name: "every field", obj: `{"stream_name":"a","stream_namespace":"n","pixel_id":"p"}`},
		{name: "no field", obj: `{}`},
		{name: "a field in other case", obj: `{"Stream_Name":"a","pixel_id":"p"}`},
		{name: "a misspelt field", obj: `{"stream_name":"a","namespace":"n"}`, want: true},
		{name: "a wrong type is not an unknown key", obj: `{"stream_name":5}`},
		{name: "not an object", obj: `"oops"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, hasUnknownKey(json.RawMessage(c.obj), reflect.TypeFor[StreamPixel]()))
		})
	}
}
