package destination

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/semaphore"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/event"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// recordsOf returns n RECORD lines whose data holds size bytes each.
func recordsOf(n, size int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"type":"RECORD","record":{"stream":"s","data":{"id":"%d","blob":"%s"},"emitted_at":1}}`+"\n", i, strings.Repeat("x", size))
	}
	return b.Bytes()
}

func TestReadAheadIsBoundedByBytes(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		ahead int // chunks handed over before the input loop handles one
	}{
		{name: "records larger than the bound are read one at a time", input: recordsOf(3, maxReadAheadBytes+10), ahead: 1},
		{name: "records of a quarter of the bound, one per chunk", input: recordsOf(6, maxReadAheadBytes/4-100), ahead: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				ordered, toPrepare := make(chan *chunk, 2*chunksAhead), make(chan *chunk, 2*chunksAhead)
				ahead := semaphore.NewWeighted(maxReadAheadBytes)
				go readInput(ctx, protocol.NewReader(bytes.NewReader(tt.input), 0), ahead, ordered, toPrepare, nil)
				synctest.Wait() // the reader waits for room
				require.Len(t, ordered, tt.ahead, "chunks read ahead")
				c := <-ordered
				<-toPrepare
				synctest.Wait()
				assert.Len(t, ordered, tt.ahead-1, "no more is read while the first chunk is not handled")
				c.done()
				synctest.Wait()
				assert.Len(t, ordered, tt.ahead, "handling a chunk makes room for the next")
			})
		})
	}
}

// The preparers let a record's data go once its event is made, unless rejected records are
// stored: a rejected record is then written to the bucket with its data, as the platform sent
// it (its data used to be gone by then, and the bucket got rows without their data).
func TestPrepareChunkKeepsTheDataOnlyWhenRejectedRecordsAreStored(t *testing.T) {
	for _, keeps := range []bool{false, true} {
		t.Run(fmt.Sprintf("rejected records stored: %v", keeps), func(t *testing.T) {
			prep, err := event.NewPreparer(event.Options{})
			require.NoError(t, err)
			w := &syncWriter{prep: prep}
			if keeps {
				w.keeper = &bucketKeeper{}
			}
			data := []byte(`{"id":"a-1","type":"purchase","timestamp_ms":1}`)
			c := &chunk{
				msgs:    []*protocol.Message{{Type: protocol.TypeRecord, Record: &protocol.Record{Stream: "s", Data: data}}},
				records: []preparedRecord{{route: &route{name: "s"}, number: 1}},
			}
			w.prepareChunk(c)
			require.Error(t, c.records[0].err, "the record breaks a rule")
			if keeps {
				assert.Equal(t, string(data), string(c.msgs[0].Record.Data), "the data stays for the bucket")
			} else {
				assert.Nil(t, c.msgs[0].Record.Data, "the data is let go")
			}
		})
	}
}
