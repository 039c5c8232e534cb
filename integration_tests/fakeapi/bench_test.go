package fakeapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkEvents posts 1,000-event batches of full order_created events
// (about 650 bytes each) through the handler, without a network, and
// reports events/s. Each batch gets fresh ids, so every event is stored.
// Run with -cpu 1 to measure one core.
func BenchmarkEvents(b *testing.B) {
	for _, keep := range []bool{false, true} {
		b.Run(fmt.Sprintf("keep=%v", keep), func(b *testing.B) {
			api := New(Options{
				Keys:       map[string]KeyKind{convKey: KeyConversions},
				Pixels:     WebPixels(pixWeb),
				Now:        func() time.Time { return t0 },
				KeepEvents: keep,
			})
			const n = 1000
			evs := make([]any, n)
			for j := range evs {
				evs[j] = ev(fmt.Sprintf("order_%s_%04d", "XXXXXXXXXX", j))
			}
			body, err := json.Marshal(map[string]any{"events": evs})
			if err != nil {
				b.Fatal(err)
			}
			// Offsets of the batch-number placeholder in each id, patched per batch.
			var offs []int
			for i := 0; ; {
				k := bytes.Index(body[i:], []byte("XXXXXXXXXX"))
				if k < 0 {
					break
				}
				offs = append(offs, i+k)
				i += k + 10
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for i := 0; b.Loop(); i++ {
				num := fmt.Appendf(nil, "%010s", strconv.Itoa(i))
				for _, o := range offs {
					copy(body[o:], num)
				}
				req := httptest.NewRequest(http.MethodPost, "/v1/events?pid="+pixWeb, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+convKey)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				api.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			if st := api.Stats(); st.Duplicates != 0 || st.EventsAccepted != int64(b.N*n) {
				b.Fatalf("stats %+v, want %d events and no duplicates", st, b.N*n)
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
			// Per CPU-second of this process: steadier than wall time on a shared
			// box, and one core's worth under -cpu 1.
			b.ReportMetric(float64(b.N*n)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
		})
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
