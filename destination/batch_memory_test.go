package destination

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heldBytes is what the batcher's open batches really hold.
func heldBytes(b *batcher) int {
	n := 0
	for _, cur := range b.open {
		n += cap(cur.body) + cap(cur.items)*itemBytes
	}
	return n
}

func TestOpenBatchesGrowAsTheyAreFilled(t *testing.T) {
	b := newBatcher(1000, false)
	event := eventJSON("x", 400)
	for i := range 1000 {
		b.add(fmt.Sprint("px", i), item{}, event, nil, nil)
	}
	assert.Equal(t, heldBytes(b), b.openBytes, "the batcher counts what it holds")
	perPixel := b.openBytes / 1000
	assert.Less(t, perPixel, 2*(len(bodyHeader(false))+len(event)+len(bodyTrailer)+itemBytes),
		"a batch of one event holds about one event, not a batch's worth")
}

func TestOpenBatchesShedTheLargestPastTheirBound(t *testing.T) {
	tests := []struct {
		name   string
		pixels int
		events int // per pixel, round robin
	}{
		{"few pixels, many events", 4, 600},
		{"many pixels, few events", 3000, 3},
		{"one pixel", 1, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBatcher(1000, false)
			b.maxOpen = 256 << 10
			event := eventJSON("x", 300)
			sent := 0
			for i := range tt.events {
				for p := range tt.pixels {
					for _, r := range b.add(fmt.Sprint("px", p), item{record: int64(i)}, event, nil, nil) {
						require.False(t, r.open)
						_, ids := bodyEvents(t, r.body)
						sent += len(ids)
					}
					require.LessOrEqual(t, b.openBytes, b.maxOpen, "open batches stay within their bound")
				}
			}
			assert.Equal(t, heldBytes(b), b.openBytes, "the batcher counts what it holds")
			for _, r := range b.flush(nil) {
				_, ids := bodyEvents(t, r.body)
				sent += len(ids)
			}
			assert.Equal(t, tt.pixels*tt.events, sent, "every event is in exactly one body")
			assert.Zero(t, b.openBytes)
			assert.Zero(t, b.openEvents())
		})
	}
}

func TestShedSealsTheLargestOpenBatchFirst(t *testing.T) {
	b := newBatcher(1000, false)
	small, large := eventJSON("s", 10), eventJSON("l", 10_000)
	b.add("small", item{}, small, nil, nil)
	b.add("large", item{}, large, nil, nil)
	b.add("small2", item{}, small, nil, nil)
	b.maxOpen = b.openBytes - 1
	ready := b.add("small", item{}, small, nil, nil)
	require.Len(t, ready, 1, "sealing the large batch frees half the bound")
	assert.Equal(t, "large", ready[0].pixel)
	assert.Equal(t, 3, b.openEvents())
}

func TestFlushAfterManySealsKeepsEveryBatchOnce(t *testing.T) {
	b := newBatcher(2, false)
	var ready []*batch
	for i := range 5000 {
		ready = b.add(fmt.Sprint("px", i%700), item{record: int64(i)}, eventJSON(fmt.Sprint(i), 0), nil, ready)
	}
	ready = b.flush(ready)
	seen := map[string]bool{}
	for _, r := range ready {
		_, ids := bodyEvents(t, r.body)
		for _, id := range ids {
			assert.False(t, seen[id], "event %s in one body only", id)
			seen[id] = true
		}
	}
	assert.Len(t, seen, 5000)
	assert.Empty(t, b.flush(nil))
}

func TestByteBudgetKeepsAPixelToHalfWhileOthersHoldSome(t *testing.T) {
	type take struct {
		pixel string
		n     int64
	}
	tests := []struct {
		name  string
		held  []take
		next  take
		fits  bool
		after string // a pixel whose bodies are released, after which next fits
	}{
		{name: "alone, a pixel takes it all", held: []take{{"a", 60}, {"a", 30}}, next: take{"a", 10}, fits: true},
		{name: "not past the whole", held: []take{{"a", 60}, {"b", 30}}, next: take{"b", 11}, fits: false, after: "a"},
		{name: "past half the bytes while another holds some", held: []take{{"a", 45}, {"b", 5}}, next: take{"a", 10}, fits: false, after: "b"},
		{name: "up to half the bytes while another holds some", held: []take{{"a", 40}, {"b", 5}}, next: take{"a", 10}, fits: true},
		{name: "not past the number of bodies", held: []take{{"a", 1}, {"a", 1}, {"b", 1}, {"b", 1}, {"c", 1}, {"c", 1}}, next: take{"d", 1}, fits: false, after: "c"},
		{name: "past half the bodies while another holds some", held: []take{{"a", 1}, {"a", 1}, {"a", 1}, {"b", 1}}, next: take{"a", 1}, fits: false, after: "b"},
		{name: "alone, a pixel takes every body", held: []take{{"a", 1}, {"a", 1}, {"a", 1}, {"a", 1}, {"a", 1}}, next: take{"a", 1}, fits: true},
		{name: "a body larger than the budget goes alone", next: take{"a", 150}, fits: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newByteBudget(100, 6)
			for _, h := range tt.held {
				require.NoError(t, b.acquire(context.Background(), h.pixel, h.n))
			}
			ctx, cancel := context.WithCancel(context.Background())
			if !tt.fits {
				cancel()
			}
			err := b.acquire(ctx, tt.next.pixel, tt.next.n)
			cancel()
			if tt.fits {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, context.Canceled, "it waits")
			done := make(chan error, 1)
			go func() { done <- b.acquire(context.Background(), tt.next.pixel, tt.next.n) }()
			for _, h := range tt.held {
				if h.pixel == tt.after {
					b.release(h.pixel, h.n)
				}
			}
			select {
			case err := <-done:
				assert.NoError(t, err, "it fits once %s released its bodies", tt.after)
			case <-time.After(10 * time.Second):
				t.Fatal("acquire did not return after the release")
			}
		})
	}
}
