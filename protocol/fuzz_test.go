package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary input to the reader: it must never panic, and every message it
// returns must survive a write and a second read unchanged.
func FuzzReader(f *testing.F) {
	f.Add([]byte(`{"type":"RECORD","record":{"stream":"s","namespace":"n","data":{"id":"1","type":"lead_created"},"emitted_at":1}}` + "\n"))
	f.Add([]byte(`{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"s"},"stream_state":{}},"id":1}}` + "\r\n\r\n"))
	f.Add([]byte(`{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1,"stream_status":{"stream_descriptor":{"name":"s"},"status":"COMPLETE"}}}`))
	f.Add([]byte("\n\n{\"type\":\"UNKNOWN\"}\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 1<<16)
		for i := 0; i < 10000; i++ {
			m, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var le *LineError
			if errors.As(err, &le) {
				continue
			}
			if err != nil {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			assertRoundTrip(t, m)
		}
	})
}

func assertRoundTrip(t *testing.T, m *Message) {
	t.Helper()
	var out bytes.Buffer
	if err := NewWriter(&out).Write(m); err != nil {
		t.Fatalf("a message that was read cannot be written: %v", err)
	}
	again, err := NewReader(&out, 0).Next()
	if err != nil {
		t.Fatalf("a written message cannot be read back: %v", err)
	}
	first, _ := json.Marshal(m)
	second, _ := json.Marshal(again)
	if !bytes.Equal(first, second) {
		t.Fatalf("round trip changed the message:\n%s\n%s", first, second)
	}
}

// FuzzRecordFastPath checks the fast RECORD decoder against encoding/json: whatever the fast
// path accepts, the general decoder accepts too and reads the same way.
func FuzzRecordFastPath(f *testing.F) {
	f.Add([]byte(`{"type":"RECORD","record":{"stream":"s","namespace":null,"data":{"a":[1,-2.5e3,"x\u00e9"],"b":true},"emitted_at":17}}`))
	f.Add([]byte(`{"record":{"data":{},"stream":"s","emitted_at":1,"meta":{"changes":[]}},"type":"RECORD","extra":[null]}`))
	f.Add([]byte(`{"type":"RECORD","record":{"stream":"s","data":{"a":01},"emitted_at":1}}`))
	f.Add([]byte(`{"type":"RECORD","record":{"stream":"s","namespace":"a","namespace":null,"data":{},"emitted_at":1}}`))
	f.Add([]byte("{\"type\":\"RECORD\",\"record\":{\"stream\":\"s\xff\",\"data\":{},\"emitted_at\":1}}"))
	f.Add([]byte(`{"type":"RECORD","log":5,"record":{"stream":"s","data":{},"emitted_at":1}}`))
	f.Add([]byte(`{"type":"RECORD","record":{"stream":"s","data":{},"emitted_at":1e400}}`))
	f.Add([]byte(`{"type":"RECORD","record":{"stream":"s","data":{},"emitted_at":"x"}}`))
	f.Add([]byte(`{"type":"RECORD","rec\u006frd":{"str\u0065am":"a\"b\u00e9","namespace":"\ud800","data":{},"emitted_at":1}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		fast, ok := decodeRecordFast(line, false)
		if !ok {
			return
		}
		var slow Message
		if err := json.Unmarshal(line, &slow); err != nil {
			if nestsDeeperThan(line, maxDepth) {
				return // deeper than encoding/json reads: only the fast path passes it on
			}
			t.Fatalf("fast path accepted a line encoding/json refuses: %v", err)
		}
		a, _ := json.Marshal(fast)
		b, _ := json.Marshal(&slow)
		if !bytes.Equal(a, b) {
			t.Fatalf("fast and general decoders disagree:\n%s\n%s", a, b)
		}
		// Marshal would hide a difference in invalid UTF-8: compare the names as read.
		if fast.Record.Stream != slow.Record.Stream || fast.Record.Namespace != slow.Record.Namespace {
			t.Fatalf("stream names differ: %q/%q and %q/%q", fast.Record.Namespace, fast.Record.Stream, slow.Record.Namespace, slow.Record.Stream)
		}
	})
}
