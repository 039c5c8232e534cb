package event

import "github.com/invopop/jsonschema"

// Record is the data of one Airbyte record: one conversion event shaped like
// the API's event object, with the connector's leniencies. Its JSON Schema,
// built by Schema, is the one Prepare validates with.
type Record struct {
	ID              string `json:"id,omitempty" jsonschema:"description=The event's unique id; a string or an integer. Derived from the record when absent."`
	Type            string `json:"type" jsonschema:"description=The event type: a standard event or custom."`
	TimestampMS     int64  `json:"timestamp_ms" jsonschema:"description=Event time in milliseconds since the Unix epoch (or an RFC 3339 string); within the last 7 days and at most 10 minutes ahead."`
	CustomEventName string `json:"custom_event_name,omitempty" jsonschema:"description=Required when type is custom and refused otherwise.,minLength=1,maxLength=64"`
	Oppref          string `json:"oppref,omitempty" jsonschema:"description=OpenAI's click identifier; passed through untouched."`
	SourceURL       string `json:"source_url,omitempty" jsonschema:"description=Absolute http(s) URL of the page; required when action_source is web. Query and fragment are removed."`
	ActionSource    string `json:"action_source,omitempty" jsonschema:"enum=web,enum=mobile_app,enum=offline,enum=physical_store,enum=phone_call,enum=email,enum=other"`
	User            *User  `json:"user,omitempty" jsonschema:"description=User identifiers: an object or its JSON text."`
	OptOut          bool   `json:"opt_out,omitempty" jsonschema:"description=True excludes the event from user-level personalization."`
	Data            *Data  `json:"data,omitempty" jsonschema:"description=Event data: an object or its JSON text. Its shape depends on type."`
}

// User holds the documented user fields. Plaintext email and external_id are
// hashed by the connector; other fields pass through unchanged.
type User struct {
	Email            string `json:"email,omitempty" jsonschema:"description=Plaintext email; sent only as email_sha256."`
	EmailSHA256      string `json:"email_sha256,omitempty" jsonschema:"description=SHA-256 hex of the trimmed lower-cased email.,minLength=64,maxLength=64"`
	ExternalID       string `json:"external_id,omitempty" jsonschema:"description=Plaintext customer id; sent only as external_id_sha256."`
	ExternalIDSHA256 string `json:"external_id_sha256,omitempty" jsonschema:"description=SHA-256 hex of the trimmed customer id.,minLength=64,maxLength=64"`
	Country          string `json:"country,omitempty" jsonschema:"description=ISO 3166-1 alpha-2 country code."`
	City             string `json:"city,omitempty"`
	ZipCode          string `json:"zip_code,omitempty"`
	IPAddress        string `json:"ip_address,omitempty"`
	UserAgent        string `json:"user_agent,omitempty"`
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

// CustomData is the data of custom events.
type CustomData struct {
	Type     string    `json:"type,omitempty"`
	Amount   int64     `json:"amount,omitempty" jsonschema:"minimum=0"`
	Currency string    `json:"currency,omitempty" jsonschema:"minLength=3,maxLength=3"`
	PlanID   string    `json:"plan_id,omitempty"`
	Contents []Content `json:"contents,omitempty"`
}

// Content is one item of data.contents.
type Content struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Quantity    int64  `json:"quantity,omitempty" jsonschema:"minimum=1"`
	Amount      int64  `json:"amount,omitempty" jsonschema:"description=Unit price in minor units.,minimum=0"`
	Currency    string `json:"currency,omitempty" jsonschema:"minLength=3,maxLength=3"`
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

// JSONSchemaExtend lets an item id be an integer, and quantity and amount the
// text of an integer.
func (Content) JSONSchemaExtend(s *jsonschema.Schema) {
	lenient(s, "id", "string", "integer")
	textInteger(s, "quantity", positiveText, "2")
	textInteger(s, "amount", nonNegativeText, "12999")
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
