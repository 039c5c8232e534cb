package destination

import (
	"context"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pipelineFrame matches a frame of this package's code that is not a test's.
var pipelineFrame = regexp.MustCompile(`destination-openai-ads-conversions/destination\.((?:\(\*\w+\)\.)?\w+)`)

// pipelineGoroutines names the goroutines running this package's code, other than tests', by
// their innermost frame of this package: a goroutine-leak check of a write.
func pipelineGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var names []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "destination.Test") {
			continue
		}
		if m := pipelineFrame.FindStringSubmatch(g); m != nil {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// TestRunLeavesOnlyAReaderBlockedOnStdin checks that run, stopped by a signal while stdin is
// open and silent, returns once every goroutine it started has finished, except the reader
// blocked in a Read of stdin, which nothing can wake; and that the reader ends too once stdin
// does. The bubble itself fails the test if any goroutine is left blocked at its end.
func TestRunLeavesOnlyAReaderBlockedOnStdin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		before := pipelineGoroutines()
		api := newFake("px-default")
		w, stdout := bubbleWriter(t, api, nil, catalogOf("leads"), nil)
		stdin, feed := io.Pipe()
		defer feed.Close()
		ctx, signal := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- w.run(ctx, stdin) }()
		_, err := io.WriteString(feed, newInput().lead("leads", "a").globalState(1).b.String())
		require.NoError(t, err)
		time.Sleep(2 * defaultFlushInterval) // on the bubble's clock: the partial batch is flushed
		synctest.Wait()                      // delivered and echoed; the reader waits for more input
		require.Contains(t, stdout.String(), `"type":"STATE"`, "the state was echoed before the signal")

		signal()
		require.ErrorAs(t, <-done, new(InterruptedError))
		synctest.Wait()
		during := pipelineGoroutines()
		assert.Equal(t, []string{"readInput"}, without(during, before), "only the reader blocked in Read outlives run")

		require.NoError(t, feed.Close())
		synctest.Wait()
		assert.Empty(t, without(pipelineGoroutines(), before), "the reader ends with its input")
	})
}

// without returns the names of got not in base, counting repeats.
func without(got, base []string) []string {
	left := slices.Clone(base)
	var out []string
	for _, g := range got {
		if i := slices.Index(left, g); i >= 0 {
			left = slices.Delete(left, i, i+1)
			continue
		}
		out = append(out, g)
	}
	return out
}
