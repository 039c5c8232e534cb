package destination

import (
	"fmt"
	"strings"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/checkpoint"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// stateWaitWarning is how long a state may wait to be echoed before a warning names what holds
// it: the platform expects a checkpoint at least every 15 minutes.
const stateWaitWarning = 10 * time.Minute

// heldState is a state read from stdin and waiting in the ledger: the tracker's payload.
// Guarded by the ledger's lock.
type heldState struct {
	state  *protocol.State
	read   time.Time // when it was read
	warned bool      // its wait was reported
}

// warnWaitingStates writes one WARN for each state that has waited stateWaitWarning or more,
// once per state, naming its stream and what holds it: the pixels with records outstanding and
// their number. Only the first waiting state of each stream (and the first GLOBAL state) can be
// reported; the others wait behind it.
func (w *syncWriter) warnWaitingStates(now time.Time) {
	lines := w.ledger.waitingStates(func(wt checkpoint.Waiting[*heldState], pendingOf func(checkpoint.StreamID) int64) (string, bool) {
		h := wt.Payload
		if h.warned || now.Sub(h.read) < stateWaitWarning {
			return "", false
		}
		h.warned = true
		return w.describeWait(wt, pendingOf, now), true
	})
	for _, l := range lines {
		w.logf(protocol.LevelWarn, "%s", l)
	}
}

// describeWait words why a state waits; pendingOf counts a stream's records not yet settled.
func (w *syncWriter) describeWait(wt checkpoint.Waiting[*heldState], pendingOf func(checkpoint.StreamID) int64, now time.Time) string {
	h := wt.Payload
	waited := now.Sub(h.read).Round(time.Second)
	if !wt.Global {
		name := h.state.Stream.String()
		if wt.Records == 0 {
			return fmt.Sprintf("A state of stream %q has waited %s to be echoed: it waits for an earlier GLOBAL state.", name, waited)
		}
		pixel := "(none)"
		if int(wt.Stream) < len(w.routes.byKey) {
			pixel = w.routes.byKey[wt.Stream].pixel
		}
		return fmt.Sprintf("A state of stream %q has waited %s to be echoed: %s of the stream are not yet delivered to pixel %s%s.",
			name, waited, plural(wt.Records, "record", "records"), pixel, w.pixelHealth(pixel, now))
	}
	var holders []string
	for _, rt := range w.routes.byKey {
		if n := pendingOf(rt.id); n > 0 {
			holders = append(holders, fmt.Sprintf("stream %q: %s outstanding at pixel %s%s", rt.name, plural(n, "record", "records"), rt.pixel, w.pixelHealth(rt.pixel, now)))
		}
	}
	return fmt.Sprintf("A %s state has waited %s to be echoed for %s: %s.", h.state.Type, waited,
		plural(wt.Records, "record", "records"), strings.Join(holders, "; "))
}

// pixelHealth says, for a wait warning, whether the pixel is failing or paused.
func (w *syncWriter) pixelHealth(pixel string, now time.Time) string {
	ln := w.lanes.lane(pixel)
	since, paused := ln.health.state()
	switch {
	case !since.IsZero() && paused.After(now):
		return fmt.Sprintf(" (rate limited, failing for %s)", now.Sub(since).Round(time.Second))
	case !since.IsZero():
		return fmt.Sprintf(" (failing for %s)", now.Sub(since).Round(time.Second))
	}
	return ""
}
