package destination

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the image has no zone database: embed it for timestamp_time_zone

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/rejected"
)

// Config is the destination's configuration, as the user enters it in the platform's form.
// It is the single source of the spec: spec.json and the SPEC message are generated from it.
type Config struct {
	APIKey           Secret        `json:"api_key" jsonschema:"required,title=Conversions API key,description=The Conversions API key from OpenAI Ads Manager: Conversions → Manage conversion keys. An Advertiser API key (from Settings) cannot send events. A Conversions API key needs a pixel: set a Default Pixel ID or a Pixel per stream\\, or the connection check cannot test it. A key shorter than 20 characters\\, with spaces or control characters\\, or too plain (a word or a placeholder) is refused."`
	ContinueOnErrors bool          `json:"continue_on_errors" jsonschema:"title=Continue on errors,description=When on\\, a record the API cannot accept is logged\\, counted as rejected and skipped\\, and the sync goes on. When off\\, the first such record fails the sync\\, unless Object Storage names a bucket: rejected records are then stored there and never fail the sync.,default=false"`
	DefaultPixelID   string        `json:"default_pixel_id" jsonschema:"title=Default Pixel ID,description=The Pixel ID that receives the events of every stream that names no other pixel. Find it in Ads Manager under Conversions.,pattern=^\\S+$,example=pxl_1234567890"`
	StreamPixels     []StreamPixel `json:"stream_pixels" jsonschema:"title=Pixel per stream,description=The Pixel ID of each stream for connections where the platform does not choose the pixel per stream (data activation does)."`
	ValidateOnly     bool          `json:"validate_only" jsonschema:"title=Validate only (dry run),description=Send every event with validate_only set: OpenAI checks the events but does not store them\\, and the connector echoes no state\\, so the next sync starts from the same point. Use it to test a new connection.,default=false"`
	// DefaultActionSource is the action_source of events whose record has none; empty
	// leaves it out. App events always get mobile_app.
	DefaultActionSource string `json:"default_action_source" jsonschema:"title=Default action source,description=Where events happened when a record has no action_source. App installs and opens always get mobile_app. Leave empty to send no action_source then. web makes source_url required.,enum=web,enum=mobile_app,enum=offline,enum=physical_store,enum=phone_call,enum=email,enum=other"`

	ConversionsAPIBaseURL string `json:"conversions_api_base_url" jsonschema:"title=Conversions API base URL,description=Where events are sent. Change it only if OpenAI asks you to.,default=https://bzr.openai.com,format=uri,pattern=^https?://"`
	AdsAPIBaseURL         string `json:"ads_api_base_url" jsonschema:"title=Ads API base URL,description=Where the connection check and the pixel list are read from. Change it only if OpenAI asks you to.,default=https://api.ads.openai.com,format=uri,pattern=^https?://"`
	BatchSize             int    `json:"batch_size" jsonschema:"title=Batch size,description=The most events sent in one request. The API accepts at most 1000.,default=1000,minimum=1,maximum=1000"`
	MaxInFlight           int    `json:"max_in_flight" jsonschema:"title=Most concurrent requests,description=The upper bound of requests in flight at once. The connector starts low and adapts to the API's response times and rate limits below this bound.,default=32,minimum=1,maximum=256"`
	RequestTimeoutSeconds int    `json:"request_timeout_seconds" jsonschema:"title=Request timeout (seconds),description=How long one request may take before it is abandoned and retried.,default=30,minimum=1,maximum=600"`
	MaxRetrySeconds       int    `json:"max_retry_seconds" jsonschema:"title=Retry budget per pixel (seconds),description=How long a pixel may keep failing with rate limits and server errors before its records are given up: then the sync fails with a transient error\\, or with Continue on errors those records are rejected (rule retry_budget) and the other pixels go on. 0 means one attempt and no retry. Values above 600 count as 600\\, so that a stuck pixel never holds a checkpoint for 15 minutes.,default=300,minimum=0,maximum=7200"`

	TimestampTimeZone string `json:"timestamp_time_zone" jsonschema:"title=Timestamp time zone,description=The IANA time zone (such as UTC\\, Europe/Paris or America/New_York) in which a timestamp_ms without a zone (2026-11-30 12:34:56\\, as from a timestamp_without_timezone column) is read. Timestamps with a zone or an offset keep theirs.,default=UTC,example=Europe/Paris"`

	// ObjectStorage is where rejected records are stored (object_storage_config, as the
	// platform's data-activation destinations declare it); None by default.
	ObjectStorage rejected.StorageConfig `json:"object_storage_config" jsonschema:"title=Object Storage Spec,description=Where rejected records are stored. None: they are only counted and logged. S3: each one is written with the reason it was refused to a bucket of yours (one object per stream and part)\\, so that you can fix the rows at the source and let the next sync send them."`
}

// StreamPixel names the pixel of one stream.
type StreamPixel struct {
	StreamName      string `json:"stream_name" jsonschema:"required,title=Stream name,description=The stream's name as the source names it."`
	StreamNamespace string `json:"stream_namespace,omitempty" jsonschema:"title=Stream namespace,description=The stream's namespace (schema or dataset). Leave empty to match the name in any namespace."`
	PixelID         string `json:"pixel_id" jsonschema:"required,title=Pixel ID,description=The Pixel ID that receives this stream's events.,pattern=^\\S+$,example=pxl_1234567890"`
}

// Defaults of the optional settings.
const (
	DefaultConversionsAPIBaseURL = "https://bzr.openai.com"
	DefaultAdsAPIBaseURL         = "https://api.ads.openai.com"
	DefaultBatchSize             = 1000
	DefaultMaxInFlight           = 32
	DefaultRequestTimeoutSeconds = 30
	DefaultMaxRetrySeconds       = 300
	DefaultTimestampTimeZone     = "UTC"
)

// FieldError is one problem with one configuration field.
type FieldError struct {
	Field string // the field's path, such as "batch_size" or "stream_pixels[1].pixel_id"
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// ParseConfig decodes, defaults and validates a configuration. On problems it returns every
// one of them at once, joined, each a *FieldError naming its field.
func ParseConfig(data []byte) (*Config, error) {
	c := defaultConfig()
	decodeErr := decodeConfig(data, &c)
	var syntax *FieldError
	if errors.As(decodeErr, &syntax) && syntax.Field == configField {
		return nil, decodeErr
	}
	c.normalise()
	if err := errors.Join(decodeErr, withoutFields(c.Validate(), fieldsOf(decodeErr))); err != nil {
		return nil, errors.Join(sortFieldErrors(flatten(err))...)
	}
	return &c, nil
}

// fieldsOf returns the top-level fields that problems name ("stream_pixels[1].pixel_id"
// names stream_pixels).
func fieldsOf(err error) map[string]bool {
	out := map[string]bool{}
	if err == nil {
		return out
	}
	for _, e := range flatten(err) {
		var fe *FieldError
		if errors.As(e, &fe) {
			out[topField(fe.Field)] = true
		}
	}
	return out
}

func topField(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// withoutFields drops the problems of fields that already failed to decode: their values
// are the defaults, and a second message about them would only confuse.
func withoutFields(err error, fields map[string]bool) error {
	if err == nil || len(fields) == 0 {
		return err
	}
	var keep []error
	for _, e := range flatten(err) {
		var fe *FieldError
		if errors.As(e, &fe) && fields[topField(fe.Field)] {
			continue
		}
		keep = append(keep, e)
	}
	return errors.Join(keep...)
}

// configField names the configuration as a whole in a FieldError.
const configField = "(config)"

// flatten returns the errors a join holds, joins within joins included.
func flatten(err error) []error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range joined.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}

// decodeConfig decodes each known field on its own, so that every problem is reported.
func decodeConfig(data []byte, c *Config) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return &FieldError{Field: configField, Err: fmt.Errorf("has invalid JSON at byte %d", syntax.Offset)}
		}
		return &FieldError{Field: configField, Err: errors.New("must be a JSON object")}
	}
	var errs []error
	v := reflect.ValueOf(c).Elem()
	known := map[string]bool{}
	for i := 0; i < v.NumField(); i++ {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		known[name] = true
		value, ok := raw[name]
		if !ok || string(value) == "null" {
			continue
		}
		if name == "stream_pixels" {
			errs = append(errs, decodeStreamPixels(value, &c.StreamPixels)...)
			continue
		}
		if name == storageField {
			if err := json.Unmarshal(value, &c.ObjectStorage); err != nil {
				errs = append(errs, &FieldError{Field: name, Err: err})
			}
			continue
		}
		if err := json.Unmarshal(value, v.Field(i).Addr().Interface()); err != nil {
			errs = append(errs, &FieldError{Field: name, Err: fmt.Errorf("must be %s", kindWords(v.Field(i).Type()))})
		}
	}
	for name := range raw {
		if !known[name] {
			errs = append(errs, &FieldError{Field: name, Err: errors.New("unknown field (check its spelling)")})
		}
	}
	return errors.Join(errs...)
}

// decodeStreamPixels decodes each entry of stream_pixels on its own, refusing unknown fields
// (a misspelt stream_namespace would otherwise silently match every namespace).
func decodeStreamPixels(value json.RawMessage, out *[]StreamPixel) []error {
	var entries []json.RawMessage
	if err := json.Unmarshal(value, &entries); err != nil {
		return []error{&FieldError{Field: "stream_pixels", Err: errors.New("must be a list of objects with stream_name, optional stream_namespace and pixel_id")}}
	}
	var errs []error
	*out = make([]StreamPixel, len(entries))
	for i, e := range entries {
		dec := json.NewDecoder(bytes.NewReader(e))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&(*out)[i]); err != nil {
			msg := "must be an object with stream_name, optional stream_namespace and pixel_id (strings)"
			if hasUnknownKey(e, reflect.TypeFor[StreamPixel]()) {
				msg = "has an unknown field (the fields are stream_name, stream_namespace and pixel_id)"
			}
			errs = append(errs, &FieldError{Field: fmt.Sprintf("stream_pixels[%d]", i), Err: errors.New(msg)})
		}
	}
	return errs
}

// hasUnknownKey tells whether the JSON object obj has a key that names no field of the struct
// type t, matched as encoding/json matches them (case-insensitively).
func hasUnknownKey(obj json.RawMessage, t reflect.Type) bool {
	var keys map[string]json.RawMessage
	if json.Unmarshal(obj, &keys) != nil {
		return false
	}
	for key := range keys {
		known := false
		for i := 0; i < t.NumField() && !known; i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			known = strings.EqualFold(key, name)
		}
		if !known {
			return true
		}
	}
	return false
}

// kindWords describes a Go type in the words of JSON.
func kindWords(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of objects with stream_name, optional stream_namespace and pixel_id (strings)"
	default:
		return "of type " + t.Kind().String()
	}
}

// defaultConfig returns a configuration with every optional setting at its default. Fields
// present in the user's JSON are decoded over it, so an explicit zero stays zero (and is
// refused where it is out of range) instead of silently meaning "default".
func defaultConfig() Config {
	return Config{
		ConversionsAPIBaseURL: DefaultConversionsAPIBaseURL,
		AdsAPIBaseURL:         DefaultAdsAPIBaseURL,
		BatchSize:             DefaultBatchSize,
		MaxInFlight:           DefaultMaxInFlight,
		RequestTimeoutSeconds: DefaultRequestTimeoutSeconds,
		MaxRetrySeconds:       DefaultMaxRetrySeconds,
		TimestampTimeZone:     DefaultTimestampTimeZone,
	}
}

// normaliseBaseURL trims a base URL; an empty one (a field cleared in the form) is the default.
func normaliseBaseURL(u, def string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	if u == "" {
		return def
	}
	return u
}

// normalise trims what users paste with stray spaces.
func (c *Config) normalise() {
	c.APIKey = Secret(strings.TrimSpace(string(c.APIKey)))
	c.DefaultPixelID = strings.TrimSpace(c.DefaultPixelID)
	c.DefaultActionSource = strings.TrimSpace(c.DefaultActionSource)
	c.ConversionsAPIBaseURL = normaliseBaseURL(c.ConversionsAPIBaseURL, DefaultConversionsAPIBaseURL)
	c.AdsAPIBaseURL = normaliseBaseURL(c.AdsAPIBaseURL, DefaultAdsAPIBaseURL)
	c.TimestampTimeZone = strings.TrimSpace(c.TimestampTimeZone)
	if c.TimestampTimeZone == "" {
		c.TimestampTimeZone = DefaultTimestampTimeZone
	}
	normaliseStorage(&c.ObjectStorage)
	for i := range c.StreamPixels {
		p := &c.StreamPixels[i]
		p.StreamName = strings.TrimSpace(p.StreamName)
		p.StreamNamespace = strings.TrimSpace(p.StreamNamespace)
		p.PixelID = strings.TrimSpace(p.PixelID)
	}
}

// Validate reports every problem of a decoded and defaulted configuration.
func (c *Config) Validate() error {
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, &FieldError{Field: field, Err: err})
		}
	}
	add("api_key", validateAPIKey(string(c.APIKey)))
	if c.DefaultPixelID != "" {
		add("default_pixel_id", validatePixelID(c.DefaultPixelID))
	}
	seen := map[string]int{}
	for i, p := range c.StreamPixels {
		at := fmt.Sprintf("stream_pixels[%d]", i)
		if p.StreamName == "" {
			add(at+".stream_name", errors.New("is required"))
		}
		add(at+".pixel_id", validatePixelID(p.PixelID))
		key := p.StreamNamespace + "\x00" + p.StreamName
		if j, dup := seen[key]; dup {
			add(at, fmt.Errorf("names the same stream as stream_pixels[%d]", j))
		}
		seen[key] = i
	}
	if c.DefaultActionSource != "" {
		add("default_action_source", validateActionSource(c.DefaultActionSource))
	}
	add("conversions_api_base_url", validateBaseURL(c.ConversionsAPIBaseURL))
	add("ads_api_base_url", validateBaseURL(c.AdsAPIBaseURL))
	add("batch_size", validateRange(c.BatchSize, 1, 1000))
	add("max_in_flight", validateRange(c.MaxInFlight, 1, 256))
	add("request_timeout_seconds", validateRange(c.RequestTimeoutSeconds, 1, 600))
	add("max_retry_seconds", validateRange(c.MaxRetrySeconds, 0, 7200))
	add("timestamp_time_zone", validateTimeZone(c.TimestampTimeZone))
	errs = append(errs, validateStorage(c.ObjectStorage)...)
	return errors.Join(errs...)
}

// minAPIKeyLength is the shortest API key accepted. OpenAI's keys are far longer; a short
// one is a placeholder, a typo or a fragment, and a short secret cannot be told apart from
// the words around it when it must be redacted.
const minAPIKeyLength = 20

// minAPIKeyDistinct is the fewest distinct characters an API key has: a random key of 20
// characters has about 15, a placeholder such as "xxxxxxxxxxxxxxxxxxxxxxxx" has one.
const minAPIKeyDistinct = 8

// validateAPIKey refuses a key that cannot be real: empty; with a space or line break; with
// a control character or any character outside printable ASCII (an HTTP header cannot carry
// it, and no OpenAI key has one); shorter than minAPIKeyLength; or too plain: fewer than
// minAPIKeyDistinct distinct characters, or letters only (a word, not a key). The messages
// never quote the key.
func validateAPIKey(key string) error {
	const again = " (copy the key again from Ads Manager: Conversions → Manage conversion keys)"
	switch {
	case key == "":
		return errors.New("is required")
	case strings.ContainsAny(key, " \t\r\n"):
		return errors.New("must not contain spaces or line breaks" + again)
	case strings.IndexFunc(key, isControl) >= 0:
		return errors.New("must not contain control characters" + again)
	case strings.IndexFunc(key, func(r rune) bool { return r > '~' }) >= 0:
		return errors.New("must contain only letters, digits and punctuation of plain ASCII" + again)
	case len(key) < minAPIKeyLength:
		return fmt.Errorf("is too short to be an API key: OpenAI's keys have far more than %d characters"+again, minAPIKeyLength)
	case distinctBytes(key) < minAPIKeyDistinct || strings.IndexFunc(key, notLetter) < 0:
		return errors.New("is too plain to be an API key: it looks like a word or a placeholder" + again)
	}
	return nil
}

// isControl tells whether r is an ASCII control character, which no HTTP header may carry.
func isControl(r rune) bool { return r < ' ' || r == 0x7f }

func notLetter(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') }

// distinctBytes counts the different bytes of s.
func distinctBytes(s string) int {
	var seen [256]bool
	n := 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			n++
		}
	}
	return n
}

func validatePixelID(id string) error {
	switch {
	case id == "":
		return errors.New("is required")
	case strings.ContainsAny(id, " \t\r\n/?#&"):
		return errors.New("must be a Pixel ID as Ads Manager shows it under Conversions, without spaces or URL characters")
	}
	return nil
}

// actionSources are the values of action_source (reference §14).
var actionSources = []string{"web", "mobile_app", "offline", "physical_store", "phone_call", "email", "other"}

func validateActionSource(s string) error {
	if !slices.Contains(actionSources, s) {
		return fmt.Errorf("must be one of %s", strings.Join(actionSources, ", "))
	}
	return nil
}

func validateRange(v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("must be between %d and %d", lo, hi)
	}
	return nil
}

// validateBaseURL accepts an https:// URL, or an http:// URL whose host is a loopback address
// (so that tests and the demo run offline).
func validateBaseURL(raw string) error {
	return validateHostURL(raw, "https://bzr.openai.com", "the connector adds /v1/... itself")
}

// validateHostURL accepts a URL of scheme and host only: https://, or http:// for a loopback
// host. example is shown in the messages; noPath says why a path is refused.
func validateHostURL(raw, example, noPath string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return errors.New("must be an absolute URL such as " + example)
	}
	switch {
	case u.User != nil:
		return errors.New("must not contain a user name or password")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return errors.New("must not contain a query or a fragment: give only the scheme and host, such as " + example)
	case u.Path != "" && u.Path != "/":
		return fmt.Errorf("must not contain a path (%s): give only the scheme and host, such as %s", noPath, example)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return errors.New("must use https:// (http:// is allowed only for loopback hosts such as 127.0.0.1)")
	default:
		return errors.New("must use https://")
	}
}

// isLoopback tells whether host is localhost, in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validateTimeZone accepts an IANA time zone name. "Local" is refused: it would depend on
// the machine the connector runs on.
func validateTimeZone(name string) error {
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		return errors.New("must be an IANA time zone name such as UTC, Europe/Paris or America/New_York")
	}
	return nil
}

// sortFieldErrors orders problems by field name, so that reports are stable.
func sortFieldErrors(errs []error) []error {
	field := func(err error) string {
		var fe *FieldError
		if errors.As(err, &fe) {
			return fe.Field
		}
		return ""
	}
	slices.SortStableFunc(errs, func(a, b error) int { return strings.Compare(field(a), field(b)) })
	return errs
}

// RequestTimeout is the deadline of one HTTP attempt.
func (c *Config) RequestTimeout() time.Duration {
	return time.Duration(c.RequestTimeoutSeconds) * time.Second
}

// TimeZone is the location in which timestamps without a zone are read. The name was
// validated, so a failure (impossible after ParseConfig) falls back to UTC.
func (c *Config) TimeZone() *time.Location {
	loc, err := time.LoadLocation(c.TimestampTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// MaxRetryBudget is the longest retry budget honoured, whatever max_retry_seconds says (it
// accepts up to 7200, as it did when the budget was per batch): a pixel that keeps failing is
// given up within it, so that no state waits near the platform's 15 minutes between
// checkpoints.
const MaxRetryBudget = 600 * time.Second

// RetryBudget is how long a pixel may keep failing before its records are given up.
func (c *Config) RetryBudget() time.Duration {
	return min(time.Duration(c.MaxRetrySeconds)*time.Second, MaxRetryBudget)
}

// Pixels returns the pixels the configuration names, default first, without repeats.
func (c *Config) Pixels() []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range append([]string{c.DefaultPixelID}, pixelIDs(c.StreamPixels)...) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func pixelIDs(ps []StreamPixel) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.PixelID
	}
	return ids
}
