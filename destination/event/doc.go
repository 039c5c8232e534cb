// Package event turns the data of one Airbyte record into one event for the
// OpenAI Ads Conversions API, or into a Rejection that tells the user what to
// fix. It is the connector's per-record hot path.
//
// A Preparer decodes the record's JSON in one pass into the fields the API
// documents, checks every rule below in Go, normalises the event and encodes
// it as compact JSON with a fixed field order. Record (and the data shape
// types) describe the same format as Go types; Schema returns the JSON Schema
// generated from them, which discover publishes. The Go checks implement
// every constraint of that schema and more (the time window, ISO 4217 codes,
// hashing); the tests and the fuzz target check that the schema accepts every
// record and every event the Go checks accept. As a run-time backstop, the
// Preparer also validates a sample of the events it prepares (the first and
// every 1024th after it; every one with Options.ValidateSchema) against the
// compiled schema: a disagreement is a defect of the connector, refused with
// the rule schema.
//
// # Normalisation
//
//   - Nulls are removed everywhere; a null field counts as absent.
//   - Undocumented fields of the event, of data and of content items are
//     dropped and listed in Event.Dropped; warehouse metadata columns
//     (_airbyte_*, _ab_*) are dropped silently. A plan_id in contents or
//     customer_action data is dropped too, but must still be a string or an
//     integer, as the schema says. custom data keeps its additional fields
//     (JSON values, nulls stripped, keys sorted, after the documented ones),
//     up to 4096 bytes of keys and values. Content items keep group_id (a
//     string, or an integer sent as its exact decimal text) and variant_dict
//     (an object of strings, keys sorted; an empty one is left out).
//   - data, user and data.contents may be JSON text in a string; a blank
//     string counts as absent. A missing data becomes {"type": <shape>} and a
//     missing data.type is filled in from the event type.
//   - timestamp_ms may be an integral number in any notation (1.7738928e12),
//     the same as a string, or an ISO 8601 date and time as Airbyte's
//     temporal types write it: a T or a space (either letter case) between
//     date and time, any number of fractional digits (truncated to the
//     millisecond), and a zone Z, ±hh:mm, ±hhmm or ±hh, or none: a time
//     without a zone is read in Options.TimeZone (UTC by default). It is sent
//     as integer milliseconds.
//   - An integral number id, plan_id or content id is sent as its exact
//     decimal string. amount and quantity may be integral floats (12999.0)
//     or the text of a plain decimal integer ("12999"), but not text that
//     needs a guess ("129.99", "1e3", " 5"). opt_out may be the text true or
//     false, and type, action_source and data.type may be in any letter
//     case; all are sent in their documented form. Currency codes are
//     upper-cased. A value refused for its JSON type is named by its type
//     and the type wanted, never quoted.
//   - Every user and data field may also come as a top-level column named
//     user_<field> or data_<field> (user_email, data_amount, data_contents),
//     with the prefix in lower case and the field as written; a field whose
//     name starts with the prefix is its own column (user_agent is
//     user.user_agent). Such columns are merged into user and
//     data (an object or its JSON text) before any rule runs, so the record
//     is checked, sent and given a derived id as if it were written nested;
//     rejections and dropped fields name the column. A field given both
//     ways, or by two columns, with different values is refused; with equal
//     values it is sent once.
//   - action_source is the record's; else mobile_app for app_installed and
//     app_opened, which refuse any other; else Options.DefaultActionSource;
//     else it is left out. source_url is required whenever the action_source
//     sent is web, a default included.
//   - user is built only from the names of the alias table (see User
//     fields), matched in any letter case; every other user field is dropped
//     and reported, and its value is never sent nor hashed into an id. Each name takes a value,
//     a list of values or the JSON text of a list (a string starting with
//     "["); phone and external id values may also be integral JSON numbers,
//     taken as their exact decimal text. Values are normalised as reference
//     §0.1 quotes the API documentation (see the table), hashed where the
//     list holds digests (lowercase hex SHA-256 of the UTF-8 text), merged in
//     alias-table order, deduplicated after normalisation, kept in input
//     order and capped at 3 per list. A value that fails its rule, or a
//     *_sha256 value that is not 64 hex characters, is dropped, reported and
//     counted in Event.IdentityDropped; the event is still sent. 64 hex
//     characters in a plaintext e-mail or phone field are taken as a digest
//     and lower-cased, not hashed again (reported once). A value of a JSON
//     kind the schema refuses (an object, a boolean) is refused with
//     string_type; inside the JSON text of a list it is dropped instead.
//   - source_url loses its query, its fragment and any user name and
//     password; what remains must parse with net/url and have a host.
//   - An event without id gets "ab-" and the hex of the first 16 bytes of the
//     SHA-256 of: the stream name, a NUL byte and the event's canonical form;
//     then, if normalisation dropped any field of the event, of data or of a
//     content item other than warehouse metadata (_airbyte_*, _ab_*), a NUL
//     byte and the canonical JSON of the dropped fields and their values. The
//     canonical form is the event as sent, without id, but written with fixed
//     names that say what each member means (idKeys) rather than the wire
//     names: the user lists are named email, phone, external_id, first_name,
//     last_name, country, city, region and postal_code, so a renamed wire key
//     keeps every id. It holds the normalised values, so the same identity in
//     another spelling, alias or notation (a plaintext e-mail or its digest,
//     a phone as text or as a number) gets the same id; and it leaves out an
//     action_source that came from a default (mobile_app for app events, or
//     the configured one), so changing the setting keeps the ids. The dropped
//     fields form an object with a member per section that has any: "event"
//     (top-level fields), "data" (including a plan_id the shape has not) and
//     "contents" (by the item's position in the sent contents, "0" first, an
//     object of its dropped fields). Keys are sorted at every level, nulls
//     removed, the encoding compact, as in the event. So a replay of the same
//     record gets the same id whatever its key order and metadata, and
//     records that differ in a dropped column get distinct ids. Personal
//     data enters the hash only as the digests that are sent anyway: user
//     fields that are dropped, and the parts removed from source_url, never
//     do, since the id is sent and a hash of a phone number is reversed by
//     trying every number. Dropped values are never sent. testdata/
//     derived_ids.golden pins a set of derived ids.
//   - Output is compact JSON in a fixed field order; preparing it again gives
//     the same bytes. Invalid UTF-8 becomes U+FFFD; raw control characters in
//     strings are accepted and escaped.
//
// # User fields
//
// The alias table: the names a record may use in user, what each is sent as,
// and how its values are normalised and checked.
//
//	| accepted names | sent as | normalisation and rule |
//	|---|---|---|
//	| email, emails; email_sha256, emails_sha256 | emails_sha256 | trim, lower-case (Unicode); one @ with text on both sides, no whitespace |
//	| phone, phone_number, phone_numbers; phone_sha256, phone_number_sha256, phone_numbers_sha256 | phone_numbers_sha256 | remove a leading +, whitespace, ( ) . - and leading zeroes; then 8-15 digits, nothing else |
//	| external_id, external_ids; external_id_sha256, external_ids_sha256 | external_ids_sha256 | trim; case kept; not empty |
//	| first_name, first_names; first_name_sha256, first_names_sha256 | first_names_sha256 | lower-case (Unicode), remove whitespace and ASCII punctuation; not empty |
//	| last_name, last_names; last_name_sha256, last_names_sha256 | last_names_sha256 | as first names |
//	| country, countries | countries | trim; two ASCII letters, upper-cased |
//	| city, cities | cities | trim, lower-case (Unicode); 1-128 characters |
//	| region, regions, state | regions | as cities |
//	| zip, zip_code, postal_code, postal_codes | postal_codes | trim; 1-32 ASCII letters, digits, spaces and hyphens |
//	| obref | obref | byte for byte; not empty |
//	| ip_address | ip_address | trim; an IPv4 or IPv6 address without zone |
//	| user_agent | user_agent | unchanged; not blank |
//	| android_advertising_id | android_advertising_id | trim, lower-case; a UUID (8-4-4-4-12 hex) |
//
// # Rules
//
// Every rejection names one rule. The names are stable.
//
//	| rule | refuses |
//	|---|---|
//	| `json_syntax` | record data (or JSON text in data, user or contents) that is not valid JSON |
//	| `json_depth` | objects and arrays nested more than 64 levels deep |
//	| `json_duplicate_key` | an object with the same key twice; a user with the same alias twice in different letter case (email and EMAIL) |
//	| `json_object` | record data, or data, that is not a JSON object (or the JSON text of one) |
//	| `legacy_field` | event_name, event_time_epoch_ms, event_id, event_source_url, event_data; data.line_items, data.checkout_session, data.order |
//	| `type_required` | a record without type |
//	| `type_supported` | a type that is not one of the 13 supported event types, in any letter case |
//	| `id_format` | an id that is empty, blank, fractional or not a string or number |
//	| `custom_event_name_required` | a custom event without custom_event_name |
//	| `custom_event_name_forbidden` | custom_event_name on a standard event |
//	| `custom_event_name_format` | a name that is not 1-64 ASCII letters, digits, _ or -, starting and ending with a letter or digit, or that is a standard event name |
//	| `custom_event_name_placement` | custom_event_name inside data |
//	| `timestamp_required` | a record without timestamp_ms |
//	| `timestamp_format` | a fractional or out-of-range number of milliseconds; a date without a time; a BC date or negative year; a string that is neither a number nor an ISO 8601 date and time |
//	| `timestamp_window` | a time more than 7 days before or more than 10 minutes after the clock |
//	| `action_source_enum` | an action_source outside web, mobile_app, offline, physical_store, phone_call, email, other, in any letter case |
//	| `action_source_app` | an action_source other than mobile_app on app_installed or app_opened |
//	| `source_url_required` | action_source web (given, or the configured default) without source_url |
//	| `source_url_absolute` | a source_url that is not an absolute http(s) URL with a host, or whose origin and path do not parse (bad escapes, ports, IP literals, characters in the host) |
//	| `string_type` | a non-string oppref, source_url, custom_event_name, content name or content_type; a user scalar (obref, ip_address, user_agent, android_advertising_id) that is not a string; a user list value, or list element, that is not a string (or, for phones and external ids, a number); an empty or non-integral plan_id, content id or group_id; a plan_id of another type even where it is dropped |
//	| `opt_out_boolean` | an opt_out that is not true or false, nor that text in any letter case |
//	| `user_object` | a user that is not an object (or the JSON text of one) |
//	| `data_type_matches` | a data.type other than the one the event type needs |
//	| `contents_forbidden` | contents in customer_action data |
//	| `contents_array` | a data.contents that is not an array (or the JSON text of one) |
//	| `content_object` | a content item that is not an object |
//	| `amount_integer` | an amount that is not a non-negative integer in minor units within int64, as a JSON number or the text of a plain decimal integer |
//	| `currency_required` | an amount without a currency in scope |
//	| `currency_iso4217` | a currency that is not an active ISO 4217 code |
//	| `quantity_positive` | a quantity that is not a positive integer, as a JSON number or the text of a plain decimal integer |
//	| `variant_dict_strings` | a content item's variant_dict that is not an object whose values are strings |
//	| `custom_data_size` | additional fields of custom data over 4096 bytes of keys and values |
//	| `flat_conflict` | a user_<field> or data_<field> column whose field is also given, with a different value, inside user or data or by another column |
//	| `event_size` | a prepared event longer than Options.MaxEventBytes: it could never be sent, even alone in a request |
//	| `schema` | a prepared event that the connector's own JSON Schema refuses: a defect of the connector, found by the sampled run-time validation (never seen in tests) |
package event
