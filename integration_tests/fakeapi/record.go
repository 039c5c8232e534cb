package fakeapi

import (
	"encoding/json"
	"hash/maphash"
	"maps"
	"time"
)

// Received is one accepted event as the fake stored it.
type Received struct {
	// PixelID is the pid the event was posted to.
	PixelID string `json:"pixel_id"`
	// ID and Type are the event's id and type, its dedup key with PixelID.
	ID   string `json:"id"`
	Type string `json:"type"`
	// Raw is the event object exactly as sent.
	Raw json.RawMessage `json:"raw"`
	// ReceivedAt is the arrival time by Options.Now.
	ReceivedAt time.Time `json:"received_at"`
	// RequestID is the x-request-id of the response that accepted it.
	RequestID string `json:"request_id"`
}

// Stats are the fake's counters. Requests to /_fake/ are not counted.
type Stats struct {
	// Requests is every request to an API path, faults included.
	Requests int64 `json:"requests"`
	// EventsAccepted counts stored events: duplicates and validate-only
	// events are not included.
	EventsAccepted int64 `json:"events_accepted"`
	// BatchesAccepted counts 200 answers to POST /v1/events, validate-only excluded.
	BatchesAccepted int64 `json:"batches_accepted"`
	// BatchesRejected counts events requests refused for their body
	// (400/413/415/422), poison included.
	BatchesRejected int64 `json:"batches_rejected"`
	// Duplicates counts accepted events whose (pixel, id, type) was already
	// stored, in an earlier batch or earlier in the same batch.
	Duplicates int64 `json:"duplicates"`
	// ValidateOnly counts validate_only requests that passed validation.
	ValidateOnly int64 `json:"validate_only_requests"`
	// Faults counts faults served, by kind.
	Faults map[FaultKind]int64 `json:"faults"`
	// MaxConcurrent is the most API requests seen in flight at once.
	MaxConcurrent int64 `json:"max_concurrent"`
}

// store is what the fake remembers; guarded by API.mu.
type store struct {
	seen            map[uint64]struct{} // 64-bit hashes of (pixel, type, id)
	events          []Received
	eventsAccepted  int64
	batchesAccepted int64
	batchesRejected int64
	duplicates      int64
	validateOnly    int64
}

// Events returns a copy of every accepted event in arrival order, or nil
// unless Options.KeepEvents is set. Raw slices are shared and must not be
// modified.
func (a *API) Events() []Received {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.store.events == nil {
		return nil
	}
	return append([]Received(nil), a.store.events...)
}

// Stats returns a snapshot of the counters.
func (a *API) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return Stats{
		Requests:        a.requests.Load(),
		EventsAccepted:  a.store.eventsAccepted,
		BatchesAccepted: a.store.batchesAccepted,
		BatchesRejected: a.store.batchesRejected,
		Duplicates:      a.store.duplicates,
		ValidateOnly:    a.store.validateOnly,
		Faults:          maps.Clone(a.faults.served),
		MaxConcurrent:   a.maxConcurrent.Load(),
	}
}

// dedupKey hashes (pixel, type, id) to 64 bits, so a key costs 8 bytes
// however long the id is. The chance of any collision among ten million
// events is about 3 in a million.
func (a *API) dedupKey(pixel, typ string, id []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(a.seed)
	_, _ = h.WriteString(pixel)
	_ = h.WriteByte(0)
	_, _ = h.WriteString(typ)
	_ = h.WriteByte(0)
	_, _ = h.Write(id)
	return h.Sum64()
}

// commit stores a valid batch atomically, counting duplicates instead of storing them.
func (a *API) commit(pixel, requestID string, b batch, now time.Time) {
	keys := make([]uint64, len(b.events))
	for i, ev := range b.events {
		keys[i] = a.dedupKey(pixel, ev.typ, ev.id)
	}
	// Kept events share two allocations per batch: one for raw JSON, one for ids.
	var raws []byte
	var ids string
	if a.opts.KeepEvents {
		n, idb := 0, []byte(nil)
		for _, ev := range b.events {
			n += len(ev.raw)
			idb = append(idb, ev.id...)
		}
		raws, ids = make([]byte, 0, n), string(idb)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := &a.store
	s.batchesAccepted++
	idOff := 0
	for i, ev := range b.events {
		idOff += len(ev.id)
		if _, dup := s.seen[keys[i]]; dup {
			s.duplicates++
			continue
		}
		s.seen[keys[i]] = struct{}{}
		s.eventsAccepted++
		if a.opts.KeepEvents {
			id := ids[idOff-len(ev.id) : idOff]
			start := len(raws)
			raws = append(raws, ev.raw...)
			s.events = append(s.events, Received{PixelID: pixel, ID: id, Type: ev.typ,
				Raw: raws[start:len(raws):len(raws)], ReceivedAt: now, RequestID: requestID})
		}
	}
}
