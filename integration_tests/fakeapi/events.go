package fakeapi

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strconv"
)

// serveEvents answers POST /v1/events?pid=<pixel_id>. Checks run in this
// order (an assumption: OpenAI does not say): method, key, pid, content
// type, body size, body. Success is 200 {"accepted_events": N}, N being
// every event in the batch, duplicates included (reference §0.3 shows
// {"accepted_events": 1}; counting duplicates is an assumption).
func (a *API) serveEvents(w http.ResponseWriter, r *http.Request, pid string) {
	if !a.admit(w, r, http.MethodPost, scopeEvents) {
		return
	}
	if err := a.checkPixel(pid); err != nil {
		writeError(w, err)
		return
	}
	if err := checkContent(r); err != nil {
		a.reject(w, err)
		return
	}
	buf := a.getBuf()
	defer a.bufPool.Put(buf)
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, a.opts.MaxBodyBytes)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.reject(w, &apiError{status: http.StatusRequestEntityTooLarge, typ: "invalid_request_error",
				message: "Request body too large: the limit is " + strconv.FormatInt(tooBig.Limit, 10) + " bytes."})
		}
		return // the client went away
	}

	a.mu.Lock()
	poison := a.poison
	a.mu.Unlock()
	now := a.opts.Now()
	b, verr := parseBatch(buf.Bytes(), now.UnixMilli(), poison)
	if verr != nil {
		if verr.poisoned {
			a.countFault(FaultPoison)
		}
		a.reject(w, verr)
		return
	}
	if b.validateOnly {
		a.mu.Lock()
		a.store.validateOnly++
		a.mu.Unlock()
	} else {
		a.commit(pid, w.Header().Get("x-request-id"), b, now)
	}
	writeJSON(w, http.StatusOK, struct {
		AcceptedEvents int `json:"accepted_events"`
	}{len(b.events)})
}

// checkPixel refuses a missing pid with the real API's 400 (reference §0.3,
// a validation error of the query) and one not in Options.Pixels with its
// 403 {"error":{"message":"403: unknown pid","type":"server_error",...}}.
func (a *API) checkPixel(pid string) *apiError {
	if pid == "" {
		return &apiError{status: http.StatusBadRequest, typ: "invalid_request_error",
			message: "[{'type': 'missing', 'loc': ('query', 'pid'), 'msg': 'Field required', 'input': None}]"}
	}
	if !a.pixels[pid] {
		return &apiError{status: http.StatusForbidden, typ: "server_error", message: "403: unknown pid"}
	}
	return nil
}

// checkContent refuses a body that is not declared as uncompressed JSON
// with 415 (assumption: only application/json is documented, gzip is unknown).
func checkContent(r *http.Request) *apiError {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &apiError{status: http.StatusUnsupportedMediaType, typ: "invalid_request_error",
			message: "Invalid Content-Type header (" + strconv.Quote(ct) + "), expected application/json."}
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && ce != "identity" {
		return &apiError{status: http.StatusUnsupportedMediaType, typ: "invalid_request_error",
			message: "Unsupported Content-Encoding " + strconv.Quote(ce) + "."}
	}
	return nil
}

// reject counts a refused batch and writes its error.
func (a *API) reject(w http.ResponseWriter, e *apiError) {
	a.mu.Lock()
	a.store.batchesRejected++
	a.mu.Unlock()
	writeError(w, e)
}

func (a *API) getBuf() *bytes.Buffer {
	if b, ok := a.bufPool.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}
