package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/integration_tests/fakeapi"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/connectortest"
)

// peakRSSMiB reads the running connector's peak resident set (VmHWM) from /proc. The
// process must still run: the tests read it once the last state is echoed, before closing
// stdin. (The ru_maxrss of a finished child is no measure: Linux counts in it the test
// process's own peak at the moment of exec.)
func peakRSSMiB(t *testing.T, p *connectortest.Process) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	require.NoError(t, err, "the connector runs")
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err, "VmHWM: %s", v)
			return kib >> 10
		}
	}
	require.Fail(t, "no VmHWM in /proc/<pid>/status")
	return 0
}

// finishMeasured reads the running connector's peak RSS in MiB, then ends its input and checks
// that the write delivered all of in exactly once.
func finishMeasured(t *testing.T, f *fake, in *input, p *connectortest.Process) int64 {
	t.Helper()
	peak := peakRSSMiB(t, p)
	p.CloseInput()
	r := p.Wait()
	require.Equal(t, 0, r.Exit, "exit code; stdout:\n%s", r.Stdout)
	checkWrite(t, f, in, r)
	assertExactlyOnce(t, f, in)
	return peak
}

// manyPixels returns n streams, each routed to a pixel of its own by destination_object_name.
func manyPixels(n int) []stream {
	streams := make([]stream, n)
	for i := range streams {
		px := fmt.Sprintf("px%04d", i)
		streams[i] = stream{name: fmt.Sprintf("s%04d", i), pixel: px, objectName: px}
	}
	return streams
}

// The peak resident set of a write does not grow with the number of pixels: each pixel's
// open batch grows as it is filled, and open batches together have a bound. Before, each
// reserved room for a whole batch (about 300 KB for these events): 270 to 300 MiB for 1,000
// pixels, 80 to 90 MiB for the 300 here, resident once the memory of one round's batches is
// reused by the next. The rounds are
// sent one after the other, each once the previous one's states are echoed.
func TestWriteMemoryDoesNotGrowWithThePixels(t *testing.T) {
	t.Parallel()
	const pixels, rounds, perRound = 300, 2, 2
	const boundMiB = 60 // the run takes about 20 MiB; the old code took 80 to 90
	streams := manyPixels(pixels)
	ids := make([]string, pixels)
	for i, s := range streams {
		ids[i] = s.pixel
	}
	f := startFake(t, fakeapi.WebPixels(ids...), nil)
	p := start(t, writeArgs(t, baseConfig(f, keyBoth), catalogOf(streams...))...)
	in := newInput()
	for round := range rounds {
		from := len(in.msgs)
		for _, s := range streams {
			in.records(s, perRound)
		}
		for _, s := range streams {
			in.streamState(s)
		}
		require.True(t, p.Send(in.lines(from, len(in.msgs))...), "the connector reads round %d", round)
		last := in.msgs[len(in.msgs)-1].state.id
		require.True(t, p.WaitForLine(connectortest.DefaultTimeout, isState(last)), "round %d's last state is echoed", round)
	}
	peak := finishMeasured(t, f, in, p)
	assert.Less(t, peak, int64(boundMiB), "peak RSS in MiB with %d pixels", pixels)
	t.Logf("peak RSS with %d pixels: %d MiB", pixels, peak)
}

// A run of large records needs memory for about one of them at a time: before, the reader
// kept the longest line's buffer, the record's data was copied twice more, and up to eight
// records were read ahead of the input loop. The run takes about 18 MiB plus 4 times a record
// (110 MiB for records of 24 MiB, 49 MiB for these of 8 MiB); the old code took 170 to 210 MiB
// for records of 24 MiB, 6.5 to 8 times a record, which is 70 to 82 MiB for these.
func TestWriteMemoryOfLargeRecordsIsAboutOneRecord(t *testing.T) {
	t.Parallel()
	const records, size = 4, 8 << 20
	const boundMiB = 20 + 5*size>>20 // 60 MiB: above the run's 49, below the old code's 70
	s := stream{name: "notes", pixel: "pxl_default"}
	f, cfg := defaultPixelSetup(t)
	p := start(t, writeArgs(t, cfg, catalogOf(s))...)
	in := newInput()
	for range records {
		in.numbers[s.key()]++
		n := in.numbers[s.key()]
		r := &inRecord{stream: s, number: n, typ: "lead_created", id: fmt.Sprintf("large-%d", n)}
		in.addRecord(r, fmt.Sprintf(`{"id":%q,"type":"lead_created","timestamp_ms":%d,"action_source":"other","user":{"email":"n%d@example.com"},"notes":"%s"}`,
			r.id, in.now, n, strings.Repeat("x", size)))
	}
	in.streamState(s)
	require.True(t, p.Send(in.bytes(0)), "the connector reads")
	require.True(t, p.WaitForLine(connectortest.DefaultTimeout, isState(in.msgs[len(in.msgs)-1].state.id)), "the state is echoed")
	peak := finishMeasured(t, f, in, p)
	assert.Less(t, peak, int64(boundMiB), "peak RSS in MiB with %d records of %d MiB", records, size>>20)
	t.Logf("peak RSS with %d records of %d MiB: %d MiB", records, size>>20, peak)
}
