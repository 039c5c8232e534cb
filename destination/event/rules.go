package event

import "strconv"

// Rule names identify the check a rejected record failed. They are stable: the
// connector's users may filter logs on them.
const (
	RuleJSONSyntax               = "json_syntax"
	RuleJSONDepth                = "json_depth"
	RuleJSONDuplicateKey         = "json_duplicate_key"
	RuleJSONObject               = "json_object"
	RuleLegacyField              = "legacy_field"
	RuleTypeRequired             = "type_required"
	RuleTypeSupported            = "type_supported"
	RuleIDFormat                 = "id_format"
	RuleCustomEventNameRequired  = "custom_event_name_required"
	RuleCustomEventNameForbidden = "custom_event_name_forbidden"
	RuleCustomEventNameFormat    = "custom_event_name_format"
	RuleCustomEventNamePlacement = "custom_event_name_placement"
	RuleTimestampRequired        = "timestamp_required"
	RuleTimestampFormat          = "timestamp_format"
	RuleTimestampWindow          = "timestamp_window"
	RuleActionSourceEnum         = "action_source_enum"
	RuleSourceURLRequired        = "source_url_required"
	RuleSourceURLAbsolute        = "source_url_absolute"
	RuleStringType               = "string_type"
	RuleOptOutBoolean            = "opt_out_boolean"
	RuleUserObject               = "user_object"
	RuleSHA256Hex                = "sha256_hex"
	RuleDataTypeMatches          = "data_type_matches"
	RuleContentsForbidden        = "contents_forbidden"
	RuleContentsArray            = "contents_array"
	RuleContentObject            = "content_object"
	RuleAmountInteger            = "amount_integer"
	RuleCurrencyRequired         = "currency_required"
	RuleCurrencyISO4217          = "currency_iso4217"
	RuleQuantityPositive         = "quantity_positive"
	RuleSchema                   = "schema"
)

// allRules lists every rule, in the order of the package documentation.
var allRules = []string{
	RuleJSONSyntax, RuleJSONDepth, RuleJSONDuplicateKey, RuleJSONObject, RuleLegacyField,
	RuleTypeRequired, RuleTypeSupported, RuleIDFormat,
	RuleCustomEventNameRequired, RuleCustomEventNameForbidden, RuleCustomEventNameFormat, RuleCustomEventNamePlacement,
	RuleTimestampRequired, RuleTimestampFormat, RuleTimestampWindow,
	RuleActionSourceEnum, RuleSourceURLRequired, RuleSourceURLAbsolute, RuleStringType, RuleOptOutBoolean,
	RuleUserObject, RuleSHA256Hex, RuleDataTypeMatches, RuleContentsForbidden, RuleContentsArray, RuleContentObject,
	RuleAmountInteger, RuleCurrencyRequired, RuleCurrencyISO4217, RuleQuantityPositive, RuleSchema,
}

// Rejection explains why a record was refused, without any personal data or
// record content: it names the stream, the record's 1-based number in that
// stream, the JSON path of the offending field, the rule it broke, a message
// and, where one helps, a hint. Path is empty when the whole record is at fault.
type Rejection struct {
	Stream  string
	Record  int64
	Path    string
	Rule    string
	Message string
	Hint    string
}

// Error formats the rejection on one line, for example
// `stream "orders" record 12: data.amount: amount_integer: must be an integer in minor units (hint: 12999 for 129.99 USD)`.
func (r *Rejection) Error() string {
	b := make([]byte, 0, 96+len(r.Stream)+len(r.Path)+len(r.Message)+len(r.Hint))
	b = append(b, "stream "...)
	b = strconv.AppendQuote(b, r.Stream)
	b = append(b, " record "...)
	b = strconv.AppendInt(b, r.Record, 10)
	b = append(b, ": "...)
	if r.Path != "" {
		b = append(b, r.Path...)
		b = append(b, ": "...)
	}
	b = append(b, r.Rule...)
	b = append(b, ": "...)
	b = append(b, r.Message...)
	if r.Hint != "" {
		b = append(b, " (hint: "...)
		b = append(b, r.Hint...)
		b = append(b, ')')
	}
	return string(b)
}

// problem is a rejection before the stream and record number are known.
type problem struct {
	path, rule, msg, hint string
}

func (p *problem) Error() string { return p.path + ": " + p.rule + ": " + p.msg }

func reject(path, rule, msg string) *problem {
	return &problem{path: path, rule: rule, msg: msg}
}

func rejectHint(path, rule, msg, hint string) *problem {
	return &problem{path: path, rule: rule, msg: msg, hint: hint}
}

// join builds a dotted path.
func join(parent, key string) string {
	if parent == "" {
		return key
	}
	if key == "" {
		return parent
	}
	return parent + "." + key
}

// isASCIIAlnum reports whether c is an ASCII letter or digit.
func isASCIIAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// checkCustomEventName enforces OpenAI's guide: 1-64 ASCII letters, digits,
// '_' or '-', starting and ending with a letter or digit, and not the name of a
// standard event (compared case-insensitively).
func checkCustomEventName(name string) *problem {
	const path = "custom_event_name"
	hint := "1-64 ASCII letters, digits, _ or -, starting and ending with a letter or digit, e.g. quote_requested"
	if len(name) == 0 || len(name) > 64 || !isASCIIAlnum(name[0]) || !isASCIIAlnum(name[len(name)-1]) {
		return rejectHint(path, RuleCustomEventNameFormat, "must be 1-64 characters starting and ending with a letter or digit", hint)
	}
	lower := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isASCIIAlnum(c) && c != '_' && c != '-' {
			return rejectHint(path, RuleCustomEventNameFormat, "may hold only ASCII letters, digits, _ and -", hint)
		}
		if c >= 'A' && c <= 'Z' {
			lower = false
		}
	}
	probe := name
	if !lower {
		probe = toLowerASCII(name)
	}
	if _, standard := shapeOf[probe]; standard {
		return rejectHint(path, RuleCustomEventNameFormat, "must not be the name of a standard event", "send a standard event with that type instead of custom")
	}
	return nil
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// actionSources lists the values action_source may take.
var actionSources = []string{"web", "mobile_app", "offline", "physical_store", "phone_call", "email", "other"}

// normaliseSourceURL checks that u is an absolute http or https URL with a host
// and no whitespace or control characters, and cuts off its query and fragment,
// as OpenAI's guide asks: only the origin and path are sent. It reports whether
// anything was cut.
func normaliseSourceURL(u string) (string, bool, *problem) {
	bad := func() *problem {
		return rejectHint("source_url", RuleSourceURLAbsolute, "must be an absolute http or https URL", "https://shop.example.com/checkout")
	}
	var rest string
	switch {
	case hasPrefixFold(u, "https://"):
		rest = u[len("https://"):]
	case hasPrefixFold(u, "http://"):
		rest = u[len("http://"):]
	default:
		return "", false, bad()
	}
	for i := 0; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c == 0x7f {
			return "", false, bad()
		}
	}
	host := rest
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c == '/' || c == '?' || c == '#' {
			host = rest[:i]
			break
		}
	}
	if host == "" || host[0] == '@' || host[0] == ':' {
		return "", false, bad()
	}
	for i := 0; i < len(u); i++ {
		if c := u[i]; c == '?' || c == '#' {
			return u[:i], true, nil
		}
	}
	return u, false, nil
}

func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
