package destination

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
)

// bodyEvents decodes a batch body and returns its validate_only flag and event ids. Every body
// names the connector in integration_source.
func bodyEvents(t *testing.T, body []byte) (bool, []string) {
	t.Helper()
	var b struct {
		ValidateOnly      bool   `json:"validate_only"`
		IntegrationSource string `json:"integration_source"`
		Events            []struct {
			ID string `json:"id"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(body, &b), string(body))
	assert.Equal(t, IntegrationSource, b.IntegrationSource, "integration_source of %s", body)
	ids := make([]string, len(b.Events))
	for i, e := range b.Events {
		ids[i] = e.ID
	}
	return b.ValidateOnly, ids
}

func eventJSON(id string, pad int) []byte {
	return fmt.Appendf(nil, `{"id":%q,"type":"lead_created","pad":%q}`, id, strings.Repeat("x", pad))
}

func TestBatcherClosesABatchAtBatchSizePerPixel(t *testing.T) {
	b := newBatcher(3, false)
	var ready []*batch
	for i := 1; i <= 7; i++ {
		pixel := "a"
		if i%2 == 0 {
			pixel = "b"
		}
		ready = b.add(pixel, item{seq: checkpoint.Seq(i), record: int64(i)}, eventJSON(fmt.Sprint(i), 0), nil, ready)
	}
	require.Len(t, ready, 2, "each pixel filled one batch of 3")
	_, ids := bodyEvents(t, ready[0].body)
	assert.Equal(t, []string{"1", "3", "5"}, ids)
	_, ids = bodyEvents(t, ready[1].body)
	assert.Equal(t, []string{"2", "4", "6"}, ids)
	assert.Equal(t, 1, b.openEvents(), "record 7 waits in pixel a's open batch")
}

func TestBatcherFlushesOpenBatchesOldestFirst(t *testing.T) {
	b := newBatcher(1000, true)
	b.add("late", item{}, eventJSON("x", 0), nil, nil)
	b.add("later", item{}, eventJSON("y", 0), nil, nil)
	b.add("late", item{}, eventJSON("z", 0), nil, nil)
	ready := b.flush(nil)
	require.Len(t, ready, 2)
	assert.Equal(t, "late", ready[0].pixel)
	validateOnly, ids := bodyEvents(t, ready[0].body)
	assert.True(t, validateOnly)
	assert.Equal(t, []string{"x", "z"}, ids)
	assert.Equal(t, 0, b.openEvents())
	assert.Empty(t, b.flush(nil))
}

func TestBatcherKeepsBodiesUnderTheSizeCap(t *testing.T) {
	b := newBatcher(1000, false)
	var ready []*batch
	big := 900 << 10 // five of these do not fit in 4 MiB
	for i := 0; i < 10; i++ {
		ready = b.add("p", item{record: int64(i)}, eventJSON(fmt.Sprint(i), big), nil, ready)
	}
	ready = b.flush(ready)
	total := 0
	for _, r := range ready {
		assert.LessOrEqual(t, len(r.body), maxBodyBytes)
		_, ids := bodyEvents(t, r.body)
		total += len(ids)
	}
	assert.Equal(t, 10, total)
	assert.Greater(t, len(ready), 2)
	assert.Less(t, maxEventBytes(false), maxBodyBytes)
	assert.Greater(t, maxEventBytes(false), maxBodyBytes-200, "the body header and trailer take a few dozen bytes")
}

func TestBatchSplitGivesTwoValidBodiesOfTheSameEvents(t *testing.T) {
	b := newBatcher(5, false)
	var ready []*batch
	for i := 0; i < 5; i++ {
		ready = b.add("p", item{seq: checkpoint.Seq(i + 1), record: int64(i + 1)}, eventJSON(fmt.Sprint(i), i), nil, ready)
	}
	require.Len(t, ready, 1)
	first, second := ready[0].split(false)
	_, a := bodyEvents(t, first.body)
	_, c := bodyEvents(t, second.body)
	assert.Equal(t, []string{"0", "1"}, a)
	assert.Equal(t, []string{"2", "3", "4"}, c)
	assert.Equal(t, int64(3), second.items[0].record)
	for _, half := range []*batch{first, second} {
		for _, it := range half.items {
			assert.True(t, json.Valid(half.body[it.start:it.end]), "item offsets point at whole events")
		}
	}
	q, r := second.split(false)
	_, ids := bodyEvents(t, r.body)
	assert.Len(t, q.items, 1)
	assert.Equal(t, []string{"3", "4"}, ids)
}

func TestBatchWithoutKeepsTheOtherEventsInOrder(t *testing.T) {
	b := newBatcher(6, true)
	var ready []*batch
	for i := 0; i < 6; i++ {
		ready = b.add("p", item{seq: checkpoint.Seq(i + 1), record: int64(i + 1), ts: int64(1000 + i)}, eventJSON(fmt.Sprint(i), i), nil, ready)
	}
	require.Len(t, ready, 1)
	tests := []struct {
		name string
		drop []int
		want []string
	}{
		{"none", nil, []string{"0", "1", "2", "3", "4", "5"}},
		{"first and last", []int{0, 5}, []string{"1", "2", "3", "4"}},
		{"three in the middle", []int{1, 2, 4}, []string{"0", "3", "5"}},
		{"all but one", []int{0, 1, 2, 3, 5}, []string{"4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drop := make([]bool, 6)
			for _, i := range tt.drop {
				drop[i] = true
			}
			rest := ready[0].without(drop, true)
			require.NotNil(t, rest)
			validateOnly, ids := bodyEvents(t, rest.body)
			assert.True(t, validateOnly)
			assert.Equal(t, tt.want, ids)
			for i, it := range rest.items {
				assert.True(t, json.Valid(rest.body[it.start:it.end]), "item offsets point at whole events")
				assert.Equal(t, tt.want[i], fmt.Sprint(it.record-1), "items follow the body")
				assert.Equal(t, 1000+it.record-1, it.ts, "an item keeps its timestamp")
			}
		})
	}
	assert.Nil(t, ready[0].without([]bool{true, true, true, true, true, true}, true), "nothing left")
}

func TestIntegrationSourceMatchesTheDocumentedPattern(t *testing.T) {
	assert.Regexp(t, `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`, IntegrationSource)
	assert.Contains(t, string(probeBody(time.Now())), `"integration_source":"`+IntegrationSource+`"`, "check's probe names the connector too")
}

// TestBatchesCarryTheRecordDataOfTheirEventsThroughSplits checks the record data kept for stored
// rejections: each event's data stays with it when a batch is split or built without some
// events, or spilled and read back, and counts in the batch's size.
func TestBatchesCarryTheRecordDataOfTheirEventsThroughSplits(t *testing.T) {
	b := newBatcher(4, false)
	var ready []*batch
	for i := range 4 {
		raw := []byte(fmt.Sprintf(`{"order_id":"O-%d","pad":%q}`, i, strings.Repeat("p", i*7)))
		ready = b.add("p", item{seq: checkpoint.Seq(i + 1), record: int64(i + 1), emittedAt: int64(100 + i)}, eventJSON(fmt.Sprint(i), 0), raw, ready)
	}
	require.Len(t, ready, 1, "four events fill the batch")
	full := ready[0]
	rawBytes := 0
	for i := range 4 {
		rawBytes += len(fmt.Sprintf(`{"order_id":"O-%d","pad":%q}`, i, strings.Repeat("p", i*7)))
	}
	assert.Equal(t, int64(len(full.body)+rawBytes), full.size(), "the size counts the record data")
	dataOf := func(bt *batch) []string {
		var out []string
		for _, it := range bt.items {
			var rec struct {
				OrderID string `json:"order_id"`
			}
			require.NoError(t, json.Unmarshal(it.raw, &rec), "record %d", it.record)
			out = append(out, fmt.Sprintf("%d:%s:%d", it.record, rec.OrderID, it.emittedAt))
		}
		return out
	}
	left, right := full.split(false)
	assert.Equal(t, []string{"1:O-0:100", "2:O-1:101"}, dataOf(left))
	assert.Equal(t, []string{"3:O-2:102", "4:O-3:103"}, dataOf(right))
	kept := full.without([]bool{true, false, true, false}, false)
	assert.Equal(t, []string{"2:O-1:101", "4:O-3:103"}, dataOf(kept))
	assert.Equal(t, rawBytes, left.rawBytes+right.rawBytes, "the halves count their own events' data")

	spilled := full.takeRaw()
	assert.Len(t, spilled, rawBytes, "the data goes to the spill file with the body")
	for _, it := range full.items {
		assert.Nil(t, it.raw, "a spilled batch lets its data go")
	}
	full.giveRaw(slices.Clone(spilled))
	assert.Equal(t, []string{"1:O-0:100", "2:O-1:101", "3:O-2:102", "4:O-3:103"}, dataOf(full), "read back, each event has its data again")

	plain := newBatcher(1, false).add("p", item{}, eventJSON("x", 0), nil, nil)
	require.Len(t, plain, 1)
	assert.Zero(t, plain[0].rawBytes, "no record data is kept unless rejected records are stored")
	assert.Nil(t, plain[0].items[0].raw)
}
