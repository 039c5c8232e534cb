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

// The lists of the user object, in the order they are sent.
const (
	listEmails = iota
	listPhones
	listExternalIDs
	listFirstNames
	listLastNames
	listCountries
	listCities
	listRegions
	listPostalCodes
	numUserLists
)

// The scalars of the user object, in the order they are sent, after the lists.
const (
	scalarObref = iota
	scalarIPAddress
	scalarUserAgent
	scalarAndroidID
	numUserScalars
)

// userListSpec describes one list of the user object.
type userListSpec struct {
	wire string // the key the API reads
	// tag names the list in the canonical form behind derived ids. It must
	// never change, whatever the wire name becomes.
	tag           string
	hashed        bool   // sent as SHA-256 digests of the normalised values
	numbers       bool   // an integral JSON number is its exact decimal text
	digestInPlain bool   // 64 hex characters in a plaintext field are a digest
	reason        string // why a value failing the rule is not sent
	rule          string // the normalisation and rule, for the schema's descriptions
}

// userLists describes the lists of the user object (reference §0.1).
var userLists = [numUserLists]userListSpec{
	listEmails:      {wire: "emails_sha256", tag: "email", hashed: true, digestInPlain: true, reason: "is not an e-mail address, so it is not sent", rule: "trimmed and lower-cased; one @ with text on both sides, no whitespace"},
	listPhones:      {wire: "phone_numbers_sha256", tag: "phone", hashed: true, numbers: true, digestInPlain: true, reason: "is not a phone number of 8 to 15 digits, so it is not sent", rule: "a leading +, whitespace, ( ) . - and leading zeroes removed; then 8-15 digits"},
	listExternalIDs: {wire: "external_ids_sha256", tag: "external_id", hashed: true, numbers: true, reason: "is empty, so it is not sent", rule: "trimmed, case kept"},
	listFirstNames:  {wire: "first_names_sha256", tag: "first_name", hashed: true, reason: "is empty once whitespace and punctuation are removed, so it is not sent", rule: "lower-cased, whitespace and ASCII punctuation removed"},
	listLastNames:   {wire: "last_names_sha256", tag: "last_name", hashed: true, reason: "is empty once whitespace and punctuation are removed, so it is not sent", rule: "lower-cased, whitespace and ASCII punctuation removed"},
	listCountries:   {wire: "countries", tag: "country", reason: "is not a two-letter country code, so it is not sent", rule: "trimmed; two ASCII letters, upper-cased"},
	listCities:      {wire: "cities", tag: "city", reason: "is empty or longer than 128 characters, so it is not sent", rule: "trimmed and lower-cased; at most 128 characters"},
	listRegions:     {wire: "regions", tag: "region", reason: "is empty or longer than 128 characters, so it is not sent", rule: "trimmed and lower-cased; at most 128 characters"},
	listPostalCodes: {wire: "postal_codes", tag: "postal_code", reason: "is not a postal code of up to 32 letters, digits, spaces and hyphens, so it is not sent", rule: "trimmed; at most 32 ASCII letters, digits, spaces and hyphens"},
}

// normaliseListValue appends the normalised form of s, a value of list, to
// dst and reports whether s passes the list's rule. The calls are direct, so
// that dst may live on the caller's stack.
func normaliseListValue(list int, dst []byte, s string) ([]byte, bool) {
	switch list {
	case listEmails:
		return normaliseEmail(dst, s)
	case listPhones:
		return normalisePhone(dst, s)
	case listExternalIDs:
		return normaliseExternalID(dst, s)
	case listFirstNames, listLastNames:
		return normaliseName(dst, s)
	case listCountries:
		return normaliseCountry(dst, s)
	case listCities, listRegions:
		return normalisePlace(dst, s)
	case listPostalCodes:
		return normalisePostalCode(dst, s)
	}
	return dst, false
}

// userScalarSpec describes one scalar of the user object.
type userScalarSpec struct {
	wire, tag string // as for userListSpec
	normalise func(s string) (string, bool)
	reason    string
	desc      string // for the schema
}

// userScalars describes the scalars of the user object (reference §0.1).
var userScalars = [numUserScalars]userScalarSpec{
	scalarObref:     {wire: "obref", tag: "obref", normalise: normaliseObref, reason: "is empty, so it is not sent", desc: "The browser reference of the __obref cookie; sent byte for byte."},
	scalarIPAddress: {wire: "ip_address", tag: "ip_address", normalise: normaliseIP, reason: "is not an IPv4 or IPv6 address, so it is not sent", desc: "An IPv4 or IPv6 address; trimmed."},
	scalarUserAgent: {wire: "user_agent", tag: "user_agent", normalise: normaliseUserAgent, reason: "is blank, so it is not sent", desc: "The user agent; sent unchanged unless blank."},
	scalarAndroidID: {wire: "android_advertising_id", tag: "android_advertising_id", normalise: normaliseAndroidID, reason: "is not a UUID, so it is not sent", desc: "The Android advertising id, a UUID; trimmed and lower-cased."},
}

// userAlias is a user field name the connector accepts (in lower case; any
// letter case matches) and where its values go.
type userAlias struct {
	name   string
	target int  // a list (listEmails ...) or, for a scalar, a scalar index
	digest bool // holds SHA-256 digests rather than plaintext
	scalar bool
}

// userAliases is the alias table. Each name maps to exactly one field;
// values of several names for one list are merged in this order.
var userAliases = [...]userAlias{
	{name: "email", target: listEmails},
	{name: "emails", target: listEmails},
	{name: "email_sha256", target: listEmails, digest: true},
	{name: "emails_sha256", target: listEmails, digest: true},
	{name: "phone", target: listPhones},
	{name: "phone_number", target: listPhones},
	{name: "phone_numbers", target: listPhones},
	{name: "phone_sha256", target: listPhones, digest: true},
	{name: "phone_number_sha256", target: listPhones, digest: true},
	{name: "phone_numbers_sha256", target: listPhones, digest: true},
	{name: "external_id", target: listExternalIDs},
	{name: "external_ids", target: listExternalIDs},
	{name: "external_id_sha256", target: listExternalIDs, digest: true},
	{name: "external_ids_sha256", target: listExternalIDs, digest: true},
	{name: "first_name", target: listFirstNames},
	{name: "first_names", target: listFirstNames},
	{name: "first_name_sha256", target: listFirstNames, digest: true},
	{name: "first_names_sha256", target: listFirstNames, digest: true},
	{name: "last_name", target: listLastNames},
	{name: "last_names", target: listLastNames},
	{name: "last_name_sha256", target: listLastNames, digest: true},
	{name: "last_names_sha256", target: listLastNames, digest: true},
	{name: "country", target: listCountries},
	{name: "countries", target: listCountries},
	{name: "city", target: listCities},
	{name: "cities", target: listCities},
	{name: "region", target: listRegions},
	{name: "regions", target: listRegions},
	{name: "state", target: listRegions},
	{name: "zip", target: listPostalCodes},
	{name: "zip_code", target: listPostalCodes},
	{name: "postal_code", target: listPostalCodes},
	{name: "postal_codes", target: listPostalCodes},
	{name: "obref", target: scalarObref, scalar: true},
	{name: "ip_address", target: scalarIPAddress, scalar: true},
	{name: "user_agent", target: scalarUserAgent, scalar: true},
	{name: "android_advertising_id", target: scalarAndroidID, scalar: true},
}

// aliasIndex returns the index in userAliases of the alias named k (in
// lower case). A switch is faster than a map here, on the hot path;
// TestAliasIndexMatchesTheTable keeps it in step with userAliases.
func aliasIndex(k string) (int, bool) {
	switch k {
	case "email":
		return 0, true
	case "emails":
		return 1, true
	case "email_sha256":
		return 2, true
	case "emails_sha256":
		return 3, true
	case "phone":
		return 4, true
	case "phone_number":
		return 5, true
	case "phone_numbers":
		return 6, true
	case "phone_sha256":
		return 7, true
	case "phone_number_sha256":
		return 8, true
	case "phone_numbers_sha256":
		return 9, true
	case "external_id":
		return 10, true
	case "external_ids":
		return 11, true
	case "external_id_sha256":
		return 12, true
	case "external_ids_sha256":
		return 13, true
	case "first_name":
		return 14, true
	case "first_names":
		return 15, true
	case "first_name_sha256":
		return 16, true
	case "first_names_sha256":
		return 17, true
	case "last_name":
		return 18, true
	case "last_names":
		return 19, true
	case "last_name_sha256":
		return 20, true
	case "last_names_sha256":
		return 21, true
	case "country":
		return 22, true
	case "countries":
		return 23, true
	case "city":
		return 24, true
	case "cities":
		return 25, true
	case "region":
		return 26, true
	case "regions":
		return 27, true
	case "state":
		return 28, true
	case "zip":
		return 29, true
	case "zip_code":
		return 30, true
	case "postal_code":
		return 31, true
	case "postal_codes":
		return 32, true
	case "obref":
		return 33, true
	case "ip_address":
		return 34, true
	case "user_agent":
		return 35, true
	case "android_advertising_id":
		return 36, true
	}
	return 0, false
}

// reasonUndocumentedUser is why an unknown user field is dropped.
const reasonUndocumentedUser = "not a documented user field, so it is not sent (see the alias table)"
