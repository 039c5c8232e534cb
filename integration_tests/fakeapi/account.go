package fakeapi

import "net/http"

// serveAccount answers GET /v1/ad_account (reference §15.2).
func (a *API) serveAccount(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r, http.MethodGet)
		return
	}
	if err := a.authorize(r, scopeAccount); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a.opts.Account)
}

// pixelList is the Advertiser API's list envelope (reference §15.1).
type pixelList struct {
	Object  string  `json:"object"`
	Data    []Pixel `json:"data"`
	FirstID *string `json:"first_id"`
	LastID  *string `json:"last_id"`
	HasMore bool    `json:"has_more"`
}

// servePixels answers GET /v1/conversions/pixels with every pixel on one page.
func (a *API) servePixels(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r, http.MethodGet)
		return
	}
	if err := a.authorize(r, scopePixels); err != nil {
		writeError(w, err)
		return
	}
	l := pixelList{Object: "list", Data: a.opts.Pixels}
	if l.Data == nil {
		l.Data = []Pixel{}
	}
	if n := len(l.Data); n > 0 {
		l.FirstID, l.LastID = &l.Data[0].ID, &l.Data[n-1].ID
	}
	writeJSON(w, http.StatusOK, l)
}
