package fakeapi

import (
	"net/http"
	"strconv"
)

// serveAccount answers GET /v1/ad_account (reference §15.2).
func (a *API) serveAccount(w http.ResponseWriter, r *http.Request) {
	if !a.admit(w, r, http.MethodGet, scopeAccount) {
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

// servePixels answers GET /v1/conversions/pixels: every pixel on one page, or pages of
// Options.PixelPageSize (or the request's smaller limit) after the pixel id named by after.
func (a *API) servePixels(w http.ResponseWriter, r *http.Request) {
	if !a.admit(w, r, http.MethodGet, scopePixels) {
		return
	}
	l := pixelList{Object: "list"}
	l.Data, l.HasMore = a.pixelPage(r)
	if n := len(l.Data); n > 0 {
		l.FirstID, l.LastID = &l.Data[0].ID, &l.Data[n-1].ID
	}
	writeJSON(w, http.StatusOK, l)
}

// pixelPage returns the page of pixels r asks for, and whether more follow it.
func (a *API) pixelPage(r *http.Request) ([]Pixel, bool) {
	all := a.opts.Pixels
	if after := r.URL.Query().Get("after"); after != "" {
		for i, p := range all {
			if p.ID == after {
				all = all[i+1:]
				break
			}
		}
	}
	size := a.opts.PixelPageSize
	if limit, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && limit > 0 && (size == 0 || limit < size) {
		size = limit
	}
	if size == 0 || len(all) <= size {
		return append([]Pixel{}, all...), false
	}
	return all[:size:size], true
}
