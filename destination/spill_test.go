package destination

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

func TestSpillStoreReadsBackWhatItWrote(t *testing.T) {
	dir := t.TempDir()
	s := newSpillStore(dir, 1<<20, nil)
	bodies := [][]byte{[]byte(`{"events":[1]}`), bytes.Repeat([]byte("x"), 70000), []byte(`{"events":[3]}`)}
	refs := make([]spillRef, len(bodies))
	for i, b := range bodies {
		ref, err := s.put(b)
		require.NoError(t, err)
		refs[i] = ref
	}
	for i := len(bodies) - 1; i >= 0; i-- { // in any order, and as often as a retry needs
		for range 2 {
			got, err := s.read(refs[i])
			require.NoError(t, err)
			assert.Equal(t, bodies[i], got, "body %d", i)
		}
	}
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "the file is unlinked once created: nothing is left whatever way the process ends")
	require.NoError(t, s.close())
	_, err = s.read(refs[0])
	assert.ErrorIs(t, err, errSpillBroken, "nothing is read after close")
	_, err = s.put(bodies[0])
	assert.ErrorIs(t, err, errSpillBroken, "nothing is written after close")
	require.NoError(t, s.close(), "close twice")
}

func TestSpillStoreBoundAndReuse(t *testing.T) {
	s := newSpillStore(t.TempDir(), 10, nil)
	t.Cleanup(func() { require.NoError(t, s.close()) })
	a, err := s.put([]byte("0123456"))
	require.NoError(t, err)
	assert.False(t, s.fits(4), "7+4 bytes is past the bound of 10")
	_, err = s.put([]byte("abcd"))
	assert.ErrorIs(t, err, errSpillFull)
	b, err := s.put([]byte("abc"))
	require.NoError(t, err)
	s.release(a)
	assert.False(t, s.fits(1), "space is reused only when no spilled body is left")
	s.release(b)
	assert.True(t, s.fits(10), "every body released: the whole bound is free again")
	c, err := s.put([]byte("9876543210"))
	require.NoError(t, err)
	got, err := s.read(c)
	require.NoError(t, err)
	assert.Equal(t, "9876543210", string(got))
}

func TestSpillStoreFailsOnceAndStaysBroken(t *testing.T) {
	var warnings []string
	s := newSpillStore(filepath.Join(t.TempDir(), "missing"), 1<<20, func(msg string) { warnings = append(warnings, msg) })
	_, err := s.put([]byte("body"))
	require.Error(t, err)
	assert.False(t, errors.Is(err, errSpillBroken), "the first failure is the system's: %v", err)
	_, err = s.put([]byte("body"))
	assert.ErrorIs(t, err, errSpillBroken)
	assert.False(t, s.fits(1))
	assert.Len(t, warnings, 1, "warned once")
	require.NoError(t, s.close())
}

// spillWriter is the part of a syncWriter that dispatch uses: a byte budget of 100 bytes in
// at most 4 bodies, and a spill store in dir.
func spillWriter(t *testing.T, dir string) *syncWriter {
	w := &syncWriter{
		opts:   writeOptionsOf(Env{}),
		out:    protocol.NewWriter(io.Discard),
		budget: newByteBudget(100, 4),
		spill:  newSpillStore(dir, 1<<20, nil),
		lanes:  newLanes(2, nil),
	}
	w.budget.capped = w.spillable
	t.Cleanup(func() { require.NoError(t, w.spill.close()) })
	// Each of two pixels holds 40 bytes: a body of 20 more is over pxl_stuck's half.
	require.True(t, w.budget.tryAcquire("pxl_stuck", 40))
	require.True(t, w.budget.tryAcquire("pxl_ok", 40))
	return w
}

func TestDispatchSpillsOnlyAStuckPixelOverItsShare(t *testing.T) {
	tests := []struct {
		name      string
		stuck     func(h *laneHealth)
		dir       func(t *testing.T) string
		wantSpill bool
	}{
		{"healthy pixel waits", func(h *laneHealth) {}, (*testing.T).TempDir, false},
		{"failing pixel spills", func(h *laneHealth) { h.failing(time.Now()) }, (*testing.T).TempDir, true},
		{"paused pixel spills", func(h *laneHealth) { h.pause(time.Now().Add(time.Minute)) }, (*testing.T).TempDir, true},
		{"a failed spill write falls back to waiting", func(h *laneHealth) { h.failing(time.Now()) },
			func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := spillWriter(t, tt.dir(t))
			tt.stuck(&w.lanes.lane("pxl_stuck").health)
			body := []byte(`{"events":[{"id":"a"}]}`)
			b := &batch{pixel: "pxl_stuck", body: bytes.Clone(body)}
			ctx, cancel := context.WithCancel(t.Context())
			cancel() // a dispatch that would wait returns at once
			got := w.spillOrWait(ctx, b)
			assert.Equal(t, tt.wantSpill, got, "dispatched")
			if !tt.wantSpill {
				assert.Nil(t, b.spilled)
				assert.Equal(t, body, b.body, "the body stays in memory")
				return
			}
			require.NotNil(t, b.spilled)
			assert.Nil(t, b.body, "the body left memory")
			assert.Equal(t, holding{bytes: 80, bodies: 2}, w.budget.used, "a spilled body holds none of the budget")
			require.True(t, w.unspill(b))
			assert.Equal(t, body, b.body, "read back byte for byte")
		})
	}
}

func TestDispatchWaitingSpillsWhenThePixelStalls(t *testing.T) {
	w := spillWriter(t, t.TempDir())
	b := &batch{pixel: "pxl_stuck", body: []byte(`{"events":[{"id":"a"}]}`)}
	done := make(chan bool)
	go func() { done <- w.spillOrWait(t.Context(), b) }()
	w.lanes.lane("pxl_stuck").health.pause(time.Now().Add(time.Minute))
	w.budget.nudge() // what the deliverer does when a pixel is rate limited
	require.True(t, <-done, "dispatched")
	assert.NotNil(t, b.spilled, "spilled once the pixel stalled")
}

func TestBudgetKeepsACappedPixelToItsHalfEvenAlone(t *testing.T) {
	tests := []struct {
		name   string
		capped bool
		want   bool
	}{
		{"a pixel alone takes the whole budget", false, true},
		{"a stuck pixel whose bodies can be spilled keeps to its half", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newByteBudget(100, 8)
			b.capped = func(string, int64) bool { return tt.capped }
			require.True(t, b.tryAcquire("pxl_stuck", 50), "within its half")
			assert.Equal(t, tt.want, b.tryAcquire("pxl_stuck", 10), "past its half, alone")
			assert.True(t, b.tryAcquire("pxl_ok", 10), "another pixel still has room")
		})
	}
}
