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
// record and every event the Go checks accept. Options.ValidateSchema runs
// the compiled schema on every prepared event as well, at about 15 times the
// cost: BenchmarkPrepare measures about 3 µs and 2 allocations per 500-byte
// event without it and 37-46 µs and 337 allocations with it, on one core of a
// 2-core machine.
//
// # Normalisation
//
//   - Nulls are removed everywhere; a null field counts as absent.
//   - Undocumented fields of the event, of data and of content items are
//     dropped and listed in Event.Dropped; warehouse metadata columns
//     (_airbyte_*, _ab_*) are dropped silently. A plan_id in contents or
//     customer_action data is dropped too, but must still be a string or an
//     integer, as the schema says. user keeps every field except those below.
//   - data, user and data.contents may be JSON text in a string; a blank
//     string counts as absent. A missing data becomes {"type": <shape>} and a
//     missing data.type is filled in from the event type.
//   - timestamp_ms may be an integral number in any notation (1.7738928e12),
//     a string of digits or an RFC 3339 time with a zone and at most
//     millisecond precision; it is sent as integer milliseconds.
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
//   - user.email (trimmed, lower-cased) and user.external_id (trimmed) are
//     sent only as the lowercase hex SHA-256 in email_sha256 and
//     external_id_sha256; a given digest wins and the plaintext is dropped.
//     These four names, phone and phone_number are recognised in any letter
//     case (EMAIL, External_ID, EMAIL_SHA256); digests are sent under their
//     documented lowercase names. *_sha256 values (any letter case in the
//     name) are lower-cased. user.phone and user.phone_number are dropped, and
//     so is any other user field whose name contains email or phone (in any
//     letter case) and does not end in _sha256, as it may hold plaintext
//     personal data. Other user fields pass through, objects with sorted keys.
//   - source_url loses its query, its fragment and any user name and
//     password; what remains must parse with net/url and have a host.
//   - An event without id gets "ab-" and the hex of the first 16 bytes of the
//     SHA-256 of: the stream name, a NUL byte and the event's JSON without id;
//     then, if normalisation dropped any field other than warehouse metadata
//     (_airbyte_*, _ab_*), a NUL byte and the canonical JSON of the dropped
//     fields and their values. That is an object with a member per section
//     that has any: "event" (top-level fields), "data" (including a plan_id
//     the shape has not) and "contents" (by the item's position in the sent
//     contents, "0" first, an object of its dropped fields). Keys are sorted
//     at every level, nulls removed, the encoding compact, as in the event.
//     So a replay of the same record gets the same id whatever its key order
//     and metadata, and records that differ in a dropped column get distinct
//     ids. Fields dropped from user as personal data and the parts removed
//     from source_url never enter the hash: the id is sent, and a hash of a
//     phone number is reversed by trying every number. Dropped values are
//     never sent.
//   - Output is compact JSON in a fixed field order; preparing it again gives
//     the same bytes. Invalid UTF-8 becomes U+FFFD; raw control characters in
//     strings are accepted and escaped.
//
// # Rules
//
// Every rejection names one rule. The names are stable.
//
//	| rule | refuses |
//	|---|---|
//	| `json_syntax` | record data (or JSON text in data, user or contents) that is not valid JSON |
//	| `json_depth` | objects and arrays nested more than 64 levels deep |
//	| `json_duplicate_key` | an object with the same key twice; a user with the same identifier twice in different letter case (email and EMAIL) |
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
//	| `timestamp_format` | a timestamp that is fractional, out of range, or a string that is neither digits nor RFC 3339 with a zone |
//	| `timestamp_window` | a time more than 7 days before or more than 10 minutes after the clock |
//	| `action_source_enum` | an action_source outside web, mobile_app, offline, physical_store, phone_call, email, other, in any letter case |
//	| `source_url_required` | action_source web without source_url |
//	| `source_url_absolute` | a source_url that is not an absolute http(s) URL with a host, or whose origin and path do not parse (bad escapes, ports, IP literals, characters in the host) |
//	| `string_type` | a non-string oppref, source_url, custom_event_name, user.email, user.external_id (any letter case), content name or content_type; an empty or non-integral plan_id or content id; a plan_id of another type even where it is dropped |
//	| `opt_out_boolean` | an opt_out that is not true or false, nor that text in any letter case |
//	| `user_object` | a user that is not an object (or the JSON text of one) |
//	| `sha256_hex` | a user *_sha256 field (any letter case) that is not 64 hex characters (or an array of such) |
//	| `data_type_matches` | a data.type other than the one the event type needs |
//	| `contents_forbidden` | contents in customer_action data |
//	| `contents_array` | a data.contents that is not an array (or the JSON text of one) |
//	| `content_object` | a content item that is not an object |
//	| `amount_integer` | an amount that is not a non-negative integer in minor units within int64, as a JSON number or the text of a plain decimal integer |
//	| `currency_required` | an amount without a currency in scope |
//	| `currency_iso4217` | a currency that is not an active ISO 4217 code |
//	| `quantity_positive` | a quantity that is not a positive integer, as a JSON number or the text of a plain decimal integer |
//	| `flat_conflict` | a user_<field> or data_<field> column whose field is also given, with a different value, inside user or data or by another column |
//	| `schema` | an event the Go checks let through but the JSON Schema refuses (only with Options.ValidateSchema; never seen in tests) |
package event
