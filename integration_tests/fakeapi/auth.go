package fakeapi

import (
	"net/http"
	"strings"
)

// KeyKind says which APIs a bearer key may call. The zero KeyKind allows
// nothing: its key is known but gets "Missing scopes" everywhere.
type KeyKind int

const (
	// KeyConversions is a Conversions API key: POST /v1/events only
	// (scope ads.third_party_events.write).
	KeyConversions KeyKind = iota + 1
	// KeyAdvertiser is an Advertiser API key: the ads API only
	// (GET /v1/ad_account, GET /v1/conversions/pixels).
	KeyAdvertiser
	// KeyBoth may call every endpoint. No such key exists at OpenAI; it lets a
	// demo use one key for both the connector's check and its writes.
	KeyBoth
)

// scope is an OAuth-style scope a request needs.
type scope string

const (
	// scopeEvents is the documented scope of a Conversions key (reference §16).
	scopeEvents scope = "ads.third_party_events.write"
	// scopeAccount and scopePixels are assumptions: OpenAI does not say what a
	// Conversions key gets from the Advertiser API.
	scopeAccount scope = "ads.ad_account.read"
	scopePixels  scope = "ads.conversions.read"
)

// allows reports whether a key of kind k has scope s.
func (k KeyKind) allows(s scope) bool {
	switch k {
	case KeyBoth:
		return true
	case KeyConversions:
		return s == scopeEvents
	case KeyAdvertiser:
		return s != scopeEvents
	}
	return false
}

// admit answers a request made with another method than method, or with a key
// that lacks scope, and reports whether the request may go on.
func (a *API) admit(w http.ResponseWriter, r *http.Request, method string, s scope) bool {
	if r.Method != method {
		methodNotAllowed(w, r, method)
		return false
	}
	if err := a.authorize(r, s); err != nil {
		writeError(w, err)
		return false
	}
	return true
}

// authorize checks r's bearer key for scope s. It returns nil or a 401: the
// real API's {"error":{"message":"Unauthorized",...}} (reference §0.3) for a
// missing or unknown key, "Missing scopes: S" (reference §2) for a key of the
// wrong kind.
func (a *API) authorize(r *http.Request, s scope) *apiError {
	h := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(h, "Bearer ")
	key = strings.TrimSpace(key)
	kind, known := a.opts.Keys[key]
	if !ok || key == "" || !known {
		return unauthorized()
	}
	if !kind.allows(s) {
		return &apiError{status: http.StatusUnauthorized, typ: "invalid_request_error",
			message: "You have insufficient permissions for this operation. Missing scopes: " + string(s) +
				". Check that you have the correct role in your organization (Reader, Writer, Owner) and " +
				"project (Member, Owner), and if you're using a restricted key, that it has the necessary scopes."}
	}
	return nil
}

// unauthorized is the real API's answer to a key it does not know (reference §0.3).
func unauthorized() *apiError {
	return &apiError{status: http.StatusUnauthorized, typ: "invalid_request_error", message: "Unauthorized"}
}
