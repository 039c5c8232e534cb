package event

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPrepareConcurrent prepares the same records from several goroutines;
// run it with -race. Results are checked after the goroutines finish.
func TestPrepareConcurrent(t *testing.T) {
	p := newTestPreparer(t)
	want, err := p.Prepare("orders", 1, []byte(benchRecord))
	assert.NoError(t, err)
	const workers, each = 4, 50
	got := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				ev, err := p.Prepare("orders", int64(i+1), []byte(benchRecord))
				if err != nil {
					got[w] = append(got[w], err.Error())
					continue
				}
				got[w] = append(got[w], string(ev.JSON))
			}
		})
	}
	wg.Wait()
	for w := range workers {
		assert.Len(t, got[w], each)
		for _, g := range got[w] {
			assert.Equal(t, string(want.JSON), g)
		}
	}
}
