package event

// shapeOf maps each supported event type to the data.type its data must
// have. The key is also the canonical spelling returned in Event.Type.
var shapeOf = map[string]string{
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

// legacyFields maps event field names of older API versions to their names now.
var legacyFields = map[string]string{
	"event_name":          "type",
	"event_time_epoch_ms": "timestamp_ms",
	"event_id":            "id",
	"event_source_url":    "source_url",
	"event_data":          "data",
}

// isLegacyData reports whether k is a data shape of an older API version.
func isLegacyData(k string) bool {
	return k == "checkout_session" || k == "line_items" || k == "order"
}

// isMetadata reports whether k is a warehouse metadata column, which is
// dropped without a word.
func isMetadata(k string) bool {
	return (len(k) > 9 && k[:9] == "_airbyte_") || (len(k) > 4 && k[:4] == "_ab_")
}

// hasContents and hasPlanID say which optional data fields a shape has.
func hasContents(shape string) bool { return shape != "customer_action" }
func hasPlanID(shape string) bool   { return shape == "plan_enrollment" || shape == "custom" }
