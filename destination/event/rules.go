package event

import (
	"net/url"
	"strconv"
	"strings"
)

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
	RuleActionSourceApp          = "action_source_app"
	RuleSourceURLRequired        = "source_url_required"
	RuleSourceURLAbsolute        = "source_url_absolute"
	RuleStringType               = "string_type"
	RuleOptOutBoolean            = "opt_out_boolean"
	RuleUserObject               = "user_object"
	RuleDataTypeMatches          = "data_type_matches"
	RuleContentsForbidden        = "contents_forbidden"
	RuleContentsArray            = "contents_array"
	RuleContentObject            = "content_object"
	RuleAmountInteger            = "amount_integer"
	RuleCurrencyRequired         = "currency_required"
	RuleCurrencyISO4217          = "currency_iso4217"
	RuleQuantityPositive         = "quantity_positive"
	RuleVariantDictStrings       = "variant_dict_strings"
	RuleCustomDataSize           = "custom_data_size"
	RuleFlatConflict             = "flat_conflict"
	RuleEventSize                = "event_size"
	RuleSchema                   = "schema"
)

// allRules lists every rule, in the order of the package documentation.
var allRules = []string{
	RuleJSONSyntax, RuleJSONDepth, RuleJSONDuplicateKey, RuleJSONObject, RuleLegacyField,
	RuleTypeRequired, RuleTypeSupported, RuleIDFormat,
	RuleCustomEventNameRequired, RuleCustomEventNameForbidden, RuleCustomEventNameFormat, RuleCustomEventNamePlacement,
	RuleTimestampRequired, RuleTimestampFormat, RuleTimestampWindow,
	RuleActionSourceEnum, RuleActionSourceApp, RuleSourceURLRequired, RuleSourceURLAbsolute, RuleStringType, RuleOptOutBoolean,
	RuleUserObject, RuleDataTypeMatches, RuleContentsForbidden, RuleContentsArray, RuleContentObject,
	RuleAmountInteger, RuleCurrencyRequired, RuleCurrencyISO4217, RuleQuantityPositive,
	RuleVariantDictStrings, RuleCustomDataSize, RuleFlatConflict, RuleEventSize, RuleSchema,
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
// `stream "orders" record 12: data.amount: amount_integer: must be an integer in minor units (hint: amounts are integers in minor units; USD has 2 decimals, so multiply by 100)`.
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

// normaliseSourceURL checks that u is an absolute http or https URL with a
// host and no whitespace or control characters, and cuts off its query and
// fragment, as OpenAI's guide asks (only the origin and path are sent), and
// any user name and password. The part that is sent must parse with
// net/url. reason says what was cut, or is empty.
func normaliseSourceURL(u string) (out, reason string, prob *problem) {
	bad := func() *problem {
		return rejectHint("source_url", RuleSourceURLAbsolute, "must be an absolute http or https URL", "https://shop.example.com/checkout")
	}
	var scheme int // length of the scheme and "://"
	switch {
	case hasPrefixFold(u, "https://"):
		scheme = len("https://")
	case hasPrefixFold(u, "http://"):
		scheme = len("http://")
	default:
		return "", "", bad()
	}
	if u[:scheme] != "https://" && u[:scheme] != "http://" {
		u = strings.ToLower(u[:scheme]) + u[scheme:] // HTTPS:// is https://, and the API wants the latter
	}
	kept, cut := u, false // kept is the URL without query and fragment
	for i := 0; i < len(u); i++ {
		switch c := u[i]; {
		case c <= ' ' || c == 0x7f:
			return "", "", bad()
		case (c == '?' || c == '#') && !cut:
			kept, cut = u[:i], true
		}
	}
	authority, path := kept[scheme:], ""
	if i := strings.IndexByte(authority, '/'); i >= 0 {
		authority, path = authority[:i], authority[i:]
	}
	if !plainHost(authority) || strings.IndexByte(path, '%') >= 0 {
		// Ports, IP literals, user info, escapes: let net/url judge. A
		// plain host and a path without escapes always parse, so the
		// common case costs no allocation.
		pu, err := url.Parse(kept)
		if err != nil || pu.Hostname() == "" {
			return "", "", bad()
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			kept = kept[:scheme] + authority[at+1:] + path
			if cut {
				return kept, "credentials, query and fragment removed", nil
			}
			return kept, "credentials removed", nil
		}
	}
	if cut {
		return kept, "query and fragment removed", nil
	}
	return u, "", nil
}

// plainHost reports whether authority is a non-empty host name of ASCII
// letters, digits, '.', '-', '_' and '~' only: no port, user info, escape or
// IP literal.
func plainHost(authority string) bool {
	if authority == "" {
		return false
	}
	for i := 0; i < len(authority); i++ {
		c := authority[i]
		if !isASCIIAlnum(c) && c != '.' && c != '-' && c != '_' && c != '~' {
			return false
		}
	}
	return true
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
