package fakeapi

import "net/http"

// controlPrefix starts the inspection paths; OpenAI has no path outside /v1/.
const controlPrefix = "/_fake/"

// serveControl answers the inspection endpoints for out-of-process users:
//
//	GET /_fake/stats   Stats as JSON
//	GET /_fake/events  {"events": [Received, ...]} (empty unless KeepEvents)
//
// They need no key; the fakeapi command listens on loopback only.
func (a *API) serveControl(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r, http.MethodGet)
		return
	}
	switch r.URL.Path {
	case controlPrefix + "stats":
		writeJSON(w, http.StatusOK, a.Stats())
	case controlPrefix + "events":
		evs := a.Events()
		if evs == nil {
			evs = []Received{}
		}
		writeJSON(w, http.StatusOK, struct {
			Events []Received `json:"events"`
		}{evs})
	default:
		writeError(w, &apiError{status: http.StatusNotFound, typ: "invalid_request_error",
			message: "Unknown request URL: " + r.Method + " " + r.URL.Path + "."})
	}
}
