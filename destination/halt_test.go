package destination

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunReturnsWhenAFailureHaltsSendingWhileTheInputWaitsForRoom checks that a failure that
// stops sending (a key refused mid-sync) also ends the input loop's wait for room in the byte
// budget. With max_in_flight 1 the budget holds two bodies. Stream s1 fills two batches of 10
// (one in flight, held by the server, one queued: the budget is full); s2..s6 have one record
// each and a state arms the flush of their partial batches, which then waits for room. The held
// request is refused with a 401 only once that flush is due: the senders stop, and the input
// loop must give up its wait instead of blocking for ever with the input still open.
func TestRunReturnsWhenAFailureHaltsSendingWhileTheInputWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		arrived, answer := make(chan struct{}), make(chan struct{})
		var once sync.Once
		api := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(arrived) })
			select {
			case <-answer:
			case <-r.Context().Done():
				return
			}
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(rw, `{"error":{"message":"Unauthorized","type":"invalid_request_error","param":null,"code":null}}`)
		})
		streams := []string{"s1", "s2", "s3", "s4", "s5", "s6"}
		var pixels []map[string]any
		for i, s := range streams {
			pixels = append(pixels, map[string]any{"stream_name": s, "pixel_id": fmt.Sprintf("p%d", i+1)})
		}
		cfg := map[string]any{"max_in_flight": 1, "batch_size": 10, "stream_pixels": pixels}
		w, stdout := bubbleWriter(t, api, cfg, catalogOf(streams...), nil)

		in := newInput()
		for i := range 20 {
			in.lead("s1", fmt.Sprint("a", i))
		}
		for _, s := range streams[1:] {
			in.lead(s, "b-"+s)
		}
		in.streamState("s2", 1)
		stdin, feed := io.Pipe()
		defer feed.Close()
		done := make(chan error, 1)
		go func() { done <- w.run(t.Context(), stdin) }()
		go func() { _, _ = io.WriteString(feed, in.b.String()) }()
		<-arrived
		// The scenario needs the flush of the partial batches to have started (it comes a flush
		// interval after the state) before the held request is refused: on the bubble's clock.
		time.Sleep(3 * defaultFlushInterval)
		synctest.Wait()
		close(answer)
		// Run must return with the input still open; a deadlock fails the bubble.
		require.Error(t, <-done)
		assert.Contains(t, stdout.String(), `"failure_type":"config_error"`, "the refused key is reported")
	})
}
