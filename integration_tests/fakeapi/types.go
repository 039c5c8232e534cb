package fakeapi

import "bytes"

// eventType is a documented event type and the data.type it requires.
type eventType struct{ name, data string }

// eventTypes maps each documented event type to itself and its data.type;
// the map hands back the canonical name so storing it allocates nothing.
var eventTypes = func() map[string]eventType {
	m := make(map[string]eventType, len(dataTypes))
	for name, data := range dataTypes {
		m[name] = eventType{name, data}
	}
	return m
}()

// dataTypes maps each documented event type (reference §6, including the
// newer app events) to the data.type it requires.
var dataTypes = map[string]string{
	"page_viewed":            "contents",
	"contents_viewed":        "contents",
	"items_added":            "contents",
	"checkout_started":       "contents",
	"order_created":          "contents",
	"lead_created":           "customer_action",
	"registration_completed": "customer_action",
	"appointment_scheduled":  "customer_action",
	"app_installed":          "customer_action",
	"app_opened":             "customer_action",
	"trial_started":          "plan_enrollment",
	"subscription_created":   "plan_enrollment",
	"custom":                 "custom",
}

// eventTypeList is the list quoted in "Supported values are: ..." messages.
const eventTypeList = "'page_viewed', 'contents_viewed', 'items_added', 'checkout_started', " +
	"'order_created', 'lead_created', 'registration_completed', 'appointment_scheduled', " +
	"'app_installed', 'app_opened', 'trial_started', 'subscription_created', 'custom'"

// actionSources is the action_source enum (reference §14).
var actionSources = map[string]bool{
	"web": true, "mobile_app": true, "offline": true, "physical_store": true,
	"phone_call": true, "email": true, "other": true,
}

const actionSourceList = "'web', 'mobile_app', 'offline', 'physical_store', 'phone_call', 'email', 'other'"

// validCustomName reports whether name matches
// ^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$ (reference §12, guide rule).
func validCustomName(name []byte) bool {
	n := len(name)
	if n == 0 || n > 64 || !isAlnum(name[0]) || !isAlnum(name[n-1]) {
		return false
	}
	for _, c := range name {
		if !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// isStandardName reports whether name equals a documented event type, ignoring case.
func isStandardName(name []byte) bool {
	var lower [64]byte
	if len(name) > len(lower) {
		return false
	}
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	_, ok := dataTypes[string(lower[:len(name)])]
	return ok
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// validCurrency reports whether c is three upper-case ASCII letters.
func validCurrency(c []byte) bool {
	return len(c) == 3 && isUpper(c[0]) && isUpper(c[1]) && isUpper(c[2])
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// validSHA256 reports whether h is 64 lower-case hex digits.
func validSHA256(h []byte) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
			return false
		}
	}
	return true
}

// validSourceURL reports whether u starts like an absolute http(s) URL.
func validSourceURL(u []byte) bool {
	return (bytes.HasPrefix(u, []byte("https://")) && len(u) > len("https://")) ||
		(bytes.HasPrefix(u, []byte("http://")) && len(u) > len("http://"))
}
