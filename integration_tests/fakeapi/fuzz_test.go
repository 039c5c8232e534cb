package fakeapi

import (
	"encoding/json"
	"testing"
)

// FuzzParseBatch checks that the hand-written scanner never panics, never
// accepts malformed JSON, and hands back each event's exact raw object.
func FuzzParseBatch(f *testing.F) {
	good, _ := json.Marshal(map[string]any{"events": []any{ev("a"), minimal("b", "custom")}})
	f.Add(good)
	f.Add([]byte(`{"validate_only":true,"events":[]}`))
	f.Add([]byte(`{"events":[{"id":"a\u00e9","type":"lead_created","timestamp_ms":1,"data":{"type":"customer_action"}}]}`))
	f.Add([]byte(`{"events":[{"user":{"x":[1,{"y":null}],"emails_sha256":["` + hash64 + `"]}}]}`))
	f.Add([]byte(`[1e5, -0.5, "x\"", true, false, null]`))
	nowMS := t0.UnixMilli()
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := parseBatch(body, nowMS, nil)
		if err != nil {
			if (err.status != 400 && err.status != 422) || err.message == "" {
				t.Fatalf("bad refusal %+v", err)
			}
			return
		}
		var v struct{ Events []json.RawMessage }
		if jerr := json.Unmarshal(body, &v); jerr != nil {
			t.Fatalf("accepted a body encoding/json refuses: %v", jerr)
		}
		if len(v.Events) != len(b.events) {
			t.Fatalf("got %d events, encoding/json sees %d", len(b.events), len(v.Events))
		}
		for i, e := range b.events {
			if string(e.raw) != string(v.Events[i]) {
				t.Fatalf("event %d raw %q, want %q", i, e.raw, v.Events[i])
			}
			var id struct{ ID string }
			if jerr := json.Unmarshal(e.raw, &id); jerr != nil || id.ID != string(e.id) {
				t.Fatalf("event %d id %q, encoding/json says %q (%v)", i, e.id, id.ID, jerr)
			}
		}
	})
}
