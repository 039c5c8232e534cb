// Package fakeapi is a stand-in for the OpenAI Ads Conversions API and the
// parts of the Advertiser API the connector uses, for end-to-end tests, the
// demo and the benchmark. [API] is an [http.Handler]; [NewServer] starts it
// on an [httptest.Server] for a test, and the fakeapi command serves it on
// loopback for other processes.
//
// The fake checks requests as OpenAI documents them
// (the team's reference, openai-ads-api.md), independently of the
// connector's own validation, so that it cross-checks the connector. It
// misbehaves on demand ([API.Script], [API.RandomFaults], [API.Poison]; a
// [FaultAnswer] plays any answer verbatim) and records what it accepted
// ([API.Events], [API.Stats]) and, when asked, every request it received
// ([API.Requests]). Everything is safe for concurrent use.
//
// # Endpoints
//
//	POST /v1/events?pid=<pixel_id>   needs a Conversions (or Both) key
//	GET  /v1/ad_account              needs an Advertiser (or Both) key
//	GET  /v1/conversions/pixels      needs an Advertiser (or Both) key; one page, has_more false,
//	                                 unless Options.PixelPageSize sets pages (limit, after)
//	GET  /_fake/stats                Stats as JSON, no key
//	GET  /_fake/events               {"events":[Received...]}, no key (empty unless KeepEvents)
//
// Every API response carries x-request-id (req_ + 32 hex digits) and
// openai-version: 2020-10-01. Errors use OpenAI's envelope
// {"error":{"message","type","param","code"}}, with an "errors" list when
// they refuse an event (reference §0.3).
//
// # Answers
//
// "real" marks an answer recorded from the real API (reference §0.3),
// "doc" a documented or observed one; everything else is this package's
// assumption.
//
//	200 {"accepted_events": N}      N = events in the batch, duplicates included (real for N = 1)
//	401 "Unauthorized"              no Bearer key, or an unknown one (real: param and code null)
//	401 invalid_request_error       wrong key kind: "You have insufficient permissions for this
//	                                operation. Missing scopes: S. ..." with S =
//	                                ads.third_party_events.write on /v1/events (doc),
//	                                ads.ad_account.read on /v1/ad_account,
//	                                ads.conversions.read on /v1/conversions/pixels
//	400 "[{'type': 'missing', 'loc': ('query', 'pid'), ...}]"   no pid (real)
//	403 "403: unknown pid"          a pid not in Options.Pixels (real: type server_error)
//	405                             wrong method on a known path
//	404                             "Unknown request URL: GET /v1/x."
//	415                             Content-Type not application/json, or any Content-Encoding
//	413                             body over Options.MaxBodyBytes (default 32 MiB)
//	400 param "events"              "Missing required field: events" (doc), also for a bare array
//	400 param "events"              "Too many events: a request may contain at most 1000 events."
//	400 param "integration_source"  not ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$
//	400 param null                  invalid JSON: "We could not parse the JSON body of your request. ..."
//	400 code invalid_event          the first bad field of the first bad event; the whole batch
//	                                is refused (doc). The real shape: message "Invalid event at
//	                                events[i]. See errors for details.", param "events[i]", and
//	                                one errors[] entry {message, param, code} naming the field
//	                                (param "events[i].<field>") with code invalid_value, or
//	                                poisoned_event for API.Poison. Entry messages follow
//	                                OpenAI's wording:
//	                                "Missing required field: events[3].id",
//	                                "Invalid type for 'events[17].data.amount': expected an
//	                                integer, but got a number instead.",
//	                                "Invalid value for 'events[0].type': 'purchase'. Supported values are: ...",
//	                                "Unrecognized request argument supplied: events[0].value"
//	422 event_timestamp_too_old     timestamp_ms more than 7 days old (real: message
//	                                "event_timestamp_ms must be within the last 7 days.", param
//	                                "events[i].timestamp_ms", the same in errors[]);
//	                                event_timestamp_too_new, more than 10 minutes ahead, alike
//
// # Body rules
//
// Keys are matched case-sensitively. An explicit null counts as an absent
// field. Per event: id a non-empty string; type one of the 13 documented
// types (the 11 original, app_installed and app_opened, and custom);
// timestamp_ms an integer no more than 7 days in the past and 10 minutes in
// the future of Options.Now (both bounds inclusive); data an object whose
// type matches the event type; custom_event_name required for custom,
// refused otherwise, matching ^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$
// and not a standard name in any case; action_source in the documented
// enum; source_url required when action_source is web and, when present, an
// http(s) URL; amount a non-negative integer with currency three upper-case
// letters, on data and on content items (an item's amount may use the
// event's currency); plan_id only on plan_enrollment and custom; contents
// not on customer_action; quantity a positive integer; no undocumented key
// at the body, event, data or content-item level, except that custom data
// takes additional fields of any JSON value and content items take group_id
// (a string) and variant_dict (an object of strings). user must be an object
// of the Conversions API's documented keys only (reference §0.1):
// emails_sha256, phone_numbers_sha256, external_ids_sha256,
// first_names_sha256 and last_names_sha256 (lists of 64 lower-case hex
// digits), countries (two upper-case letters), cities and regions (1-128
// characters), postal_codes (1-32 letters, digits, spaces and hyphens), each
// a list of at most 3 strings (the real API ignores values beyond the third;
// the fake refuses them, as the connector never sends them), and the
// non-empty strings obref, ip_address, user_agent and
// android_advertising_id. The Measurement Pixel's singular names
// (email_sha256, external_id_sha256, country, city, zip_code ...) are
// refused with a message naming the list that replaces them, plaintext
// personal data (email, phone, external_id, first_name ...) with a message
// naming its digest list, and any other key as unrecognized. An empty events array is
// accepted. validate_only: true validates and stores nothing.
//
// Events are deduplicated on (pixel, id, type), within and across batches:
// a duplicate is accepted (200) and counted in Stats.Duplicates, not stored.
package fakeapi
