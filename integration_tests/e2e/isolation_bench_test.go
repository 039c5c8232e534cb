package e2e

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// TestMeasureStuckPixelThroughput measures s2's throughput (its records over the time from the
// start of the run to the echo of its last state) with pxl_stuck answering 429 throughout and
// with it healthy, for the README's figures; it asserts nothing about the figures. It runs only
// when E2E_MEASURE_RECORDS gives the number of records per stream:
//
//	E2E_MEASURE_RECORDS=20000 go test ./integration_tests/e2e -run TestMeasureStuckPixelThroughput -v
func TestMeasureStuckPixelThroughput(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("E2E_MEASURE_RECORDS"))
	if err != nil || n <= 0 {
		t.Skip("set E2E_MEASURE_RECORDS to the records per stream")
	}
	const rounds = 20
	for _, stuck := range []bool{false, true} {
		f, s1, s2, args := stuckPixelSetup(t, stuck, 30, true, nil)
		in := interleaved(s1, s2, rounds, n/rounds, stuck)
		began := time.Now()
		r := runWith(t, connectortest.Options{PeakRSS: true}, in.bytes(0), args...)
		total := time.Since(began)
		if r.Exit != 0 {
			t.Fatalf("exit %d; stdout:\n%s", r.Exit, r.Stdout)
		}
		var lastS2 time.Time
		for _, e := range checkWrite(t, f, in, r) {
			if e.in.stream.name == "s2" && e.line.At.After(lastS2) {
				lastS2 = e.line.At
			}
		}
		s2Time := lastS2.Sub(began)
		t.Logf("pxl_stuck stuck=%v: %d records per stream; s2's last state after %s: %.0f s2 records/s; run %s; peak RSS %d MiB",
			stuck, n, s2Time.Round(time.Millisecond), float64(n)/s2Time.Seconds(), total.Round(time.Millisecond), r.MaxRSS>>20)
	}
}
