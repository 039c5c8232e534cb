package event

import (
	"slices"

	"github.com/invopop/jsonschema"
)

// Record is the data of one Airbyte record: one conversion event shaped like
// the API's event object, with the connector's leniencies. Its JSON Schema,
// built by Schema, is the one Prepare validates with.
type Record struct {
	ID              string `json:"id,omitempty" jsonschema:"description=The event's unique id; a string or an integer. Derived from the record when absent."`
	Type            string `json:"type" jsonschema:"description=The event type: a standard event or custom."`
	TimestampMS     int64  `json:"timestamp_ms" jsonschema:"description=Event time in milliseconds since the Unix epoch\\, or an ISO 8601 date and time (a time without a zone is read in the Timestamp time zone setting); within the last 7 days and at most 10 minutes ahead."`
	CustomEventName string `json:"custom_event_name,omitempty" jsonschema:"description=Required when type is custom and refused otherwise.,minLength=1,maxLength=64"`
	Oppref          string `json:"oppref,omitempty" jsonschema:"description=OpenAI's click identifier; passed through untouched."`
	SourceURL       string `json:"source_url,omitempty" jsonschema:"description=Absolute http(s) URL of the page; required when action_source is web. Query and fragment are removed."`
	ActionSource    string `json:"action_source,omitempty" jsonschema:"enum=web,enum=mobile_app,enum=offline,enum=physical_store,enum=phone_call,enum=email,enum=other"`
	User            *User  `json:"user,omitempty" jsonschema:"description=User identifiers: an object or its JSON text."`
	OptOut          bool   `json:"opt_out,omitempty" jsonschema:"description=True excludes the event from user-level personalization."`
	Data            *Data  `json:"data,omitempty" jsonschema:"description=Event data: an object or its JSON text. Its shape depends on type."`
}

// User is the user object as the API reads it (reference §0.1): lists of
// SHA-256 digests, lists of raw strings and four scalars. A record may name
// each field by any name of the alias table (userAliases), in any letter
// case; JSONSchemaExtend publishes those names. Nothing else is sent.
type User struct {
	EmailsSHA256         []string `json:"emails_sha256,omitempty"`
	PhoneNumbersSHA256   []string `json:"phone_numbers_sha256,omitempty"`
	ExternalIDsSHA256    []string `json:"external_ids_sha256,omitempty"`
	FirstNamesSHA256     []string `json:"first_names_sha256,omitempty"`
	LastNamesSHA256      []string `json:"last_names_sha256,omitempty"`
	Countries            []string `json:"countries,omitempty"`
	Cities               []string `json:"cities,omitempty"`
	Regions              []string `json:"regions,omitempty"`
	PostalCodes          []string `json:"postal_codes,omitempty"`
	Obref                string   `json:"obref,omitempty"`
	IPAddress            string   `json:"ip_address,omitempty"`
	UserAgent            string   `json:"user_agent,omitempty"`
	AndroidAdvertisingID string   `json:"android_advertising_id,omitempty"`
}

// JSONSchemaExtend replaces the wire fields by the names a record may use:
// every alias, each a string (a number too for phones and external ids), a
// list of such values, or the JSON text of a list. Values that fail their
// field's rule are dropped, not refused, so the schema types them only.
func (User) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Properties = jsonschema.NewProperties()
	for _, a := range userAliases {
		s.Properties.Set(a.name, aliasSchema(a))
	}
}

// aliasSchema is the schema of the user field named by alias a.
func aliasSchema(a userAlias) *jsonschema.Schema {
	if a.scalar {
		sc := userScalars[a.target]
		return &jsonschema.Schema{Type: "string", Description: sc.desc + " Sent as " + sc.wire + "; an invalid value is dropped."}
	}
	l := userLists[a.target]
	elem := []string{"string"}
	if l.numbers && !a.digest {
		elem = append(elem, "number")
	}
	var desc string
	switch {
	case a.digest:
		desc = "SHA-256 digests (64 hex characters) sent in " + l.wire + "; malformed ones are dropped."
	case l.hashed:
		desc = "Plaintext, " + l.rule + ", then hashed into " + l.wire + "; never sent as given. Invalid values are dropped."
	default:
		desc = "Sent in " + l.wire + ": " + l.rule + ". Invalid values are dropped."
	}
	desc += " A value, a list of values or the JSON text of a list; at most 3 unique values are sent."
	return &jsonschema.Schema{
		Description: desc,
		Extras:      map[string]any{"type": append(slices.Clone(elem), "array")},
		Items:       &jsonschema.Schema{Extras: map[string]any{"type": elem}},
	}
}

// Data is the union of the four data shapes; which fields apply depends on
// the event type (see ContentsData, CustomerActionData, PlanEnrollmentData
// and CustomData).
type Data struct {
	Type     string    `json:"type,omitempty" jsonschema:"enum=contents,enum=customer_action,enum=plan_enrollment,enum=custom"`
	Amount   int64     `json:"amount,omitempty" jsonschema:"minimum=0"`
	Currency string    `json:"currency,omitempty" jsonschema:"minLength=3,maxLength=3"`
	PlanID   string    `json:"plan_id,omitempty"`
	Contents []Content `json:"contents,omitempty"`
}

// ContentsData is the data of page_viewed, contents_viewed, items_added,
// checkout_started and order_created events.
type ContentsData struct {
	Type     string    `json:"type,omitempty"`
	Amount   int64     `json:"amount,omitempty" jsonschema:"description=Event total in minor units of currency (12999 for 129.99 USD).,minimum=0"`
	Currency string    `json:"currency,omitempty" jsonschema:"description=ISO 4217 code; required with amount.,minLength=3,maxLength=3"`
	Contents []Content `json:"contents,omitempty"`
}

// CustomerActionData is the data of lead_created, registration_completed,
// appointment_scheduled, app_installed and app_opened events. It has no
// contents.
type CustomerActionData struct {
	Type     string `json:"type,omitempty"`
	Amount   int64  `json:"amount,omitempty" jsonschema:"minimum=0"`
	Currency string `json:"currency,omitempty" jsonschema:"minLength=3,maxLength=3"`
}

// PlanEnrollmentData is the data of trial_started and subscription_created
// events.
type PlanEnrollmentData struct {
	Type     string    `json:"type,omitempty"`
	Amount   int64     `json:"amount,omitempty" jsonschema:"minimum=0"`
	Currency string    `json:"currency,omitempty" jsonschema:"minLength=3,maxLength=3"`
	PlanID   string    `json:"plan_id,omitempty"`
	Contents []Content `json:"contents,omitempty"`
}

// CustomData is the data of custom events. It may carry additional fields of
// any JSON value, which are sent (nulls stripped, keys sorted) up to
// maxCustomDataBytes.
type CustomData struct {
	Type     string    `json:"type,omitempty"`
	Amount   int64     `json:"amount,omitempty" jsonschema:"minimum=0"`
	Currency string    `json:"currency,omitempty" jsonschema:"minLength=3,maxLength=3"`
	PlanID   string    `json:"plan_id,omitempty"`
	Contents []Content `json:"contents,omitempty"`
}

// Content is one item of data.contents.
type Content struct {
	ID          string            `json:"id,omitempty"`
	GroupID     string            `json:"group_id,omitempty" jsonschema:"description=The item's group (a product with variants); a string or an integer."`
	Name        string            `json:"name,omitempty"`
	ContentType string            `json:"content_type,omitempty"`
	Quantity    int64             `json:"quantity,omitempty" jsonschema:"minimum=1"`
	Amount      int64             `json:"amount,omitempty" jsonschema:"description=Unit price in minor units.,minimum=0"`
	Currency    string            `json:"currency,omitempty" jsonschema:"minLength=3,maxLength=3"`
	VariantDict map[string]string `json:"variant_dict,omitempty" jsonschema:"description=The item's variant: an object whose values are strings."`
}

// JSONSchemaExtend adds what struct tags cannot say: the lenient types and
// the enum of event types.
func (Record) JSONSchemaExtend(s *jsonschema.Schema) {
	lenient(s, "id", "string", "integer")
	lenient(s, "timestamp_ms", "integer", "string")
	lenient(s, "user", "object", "string")
	lenient(s, "data", "object", "string")
	textBoolean(s, "opt_out")
	foldEnum(s, "type", eventTypeNames()...)
	foldEnum(s, "action_source", actionSources...)
	if id, ok := s.Properties.Get("id"); ok {
		one := uint64(1)
		id.MinLength = &one
	}
}

// JSONSchemaExtend lets contents arrive as JSON text, plan_id be an integer,
// amount be the text of an integer and type be in any letter case.
func (Data) JSONSchemaExtend(s *jsonschema.Schema) {
	lenient(s, "contents", "array", "string")
	lenient(s, "plan_id", "string", "integer")
	textInteger(s, "amount", nonNegativeText, "12999")
	foldEnum(s, "type", "contents", "customer_action", "plan_enrollment", "custom")
}

// JSONSchemaExtend lets contents arrive as JSON text and amount be the text
// of an integer.
func (ContentsData) JSONSchemaExtend(s *jsonschema.Schema) {
	lenient(s, "contents", "array", "string")
	textInteger(s, "amount", nonNegativeText, "12999")
}

// JSONSchemaExtend refuses contents (null counts as absent) and lets amount
// be the text of an integer.
func (CustomerActionData) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Properties.Set("contents", &jsonschema.Schema{Type: "null", Description: "customer_action data has no contents."})
	textInteger(s, "amount", nonNegativeText, "12999")
}

// JSONSchemaExtend lets contents arrive as JSON text, plan_id be an integer
// and amount be the text of an integer.
func (PlanEnrollmentData) JSONSchemaExtend(s *jsonschema.Schema) {
	lenient(s, "contents", "array", "string")
	lenient(s, "plan_id", "string", "integer")
	textInteger(s, "amount", nonNegativeText, "12999")
}

// JSONSchemaExtend lets contents arrive as JSON text, plan_id be an integer
// and amount be the text of an integer.
func (CustomData) JSONSchemaExtend(s *jsonschema.Schema) {
	lenient(s, "contents", "array", "string")
	lenient(s, "plan_id", "string", "integer")
	textInteger(s, "amount", nonNegativeText, "12999")
}

// JSONSchemaExtend lets an item id and group_id be integers, quantity and
// amount the text of an integer, and the values of variant_dict be null
// (nulls are stripped).
func (Content) JSONSchemaExtend(s *jsonschema.Schema) {
	lenient(s, "id", "string", "integer")
	lenient(s, "group_id", "string", "integer")
	textInteger(s, "quantity", positiveText, "2")
	textInteger(s, "amount", nonNegativeText, "12999")
	if v, ok := s.Properties.Get("variant_dict"); ok {
		v.AdditionalProperties = &jsonschema.Schema{Extras: map[string]any{"type": []string{"string", "null"}}}
	}
}

// lenient gives property name a list of types.
func lenient(s *jsonschema.Schema, name string, types ...string) {
	p, ok := s.Properties.Get(name)
	if !ok {
		return
	}
	p.Type = ""
	if p.Extras == nil {
		p.Extras = map[string]any{}
	}
	p.Extras["type"] = types
}
