package event

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// idPrefix starts every derived id.
const idPrefix = "ab-"

// encode appends the normalised event to b in the fixed field order: id,
// type, timestamp_ms, custom_event_name, oppref, source_url, action_source,
// user, opt_out, data. An event without id gets "ab-" and the hex of the
// first 16 bytes of the SHA-256 of the stream name, a NUL byte and the
// event's JSON without id, followed, when normalisation dropped any field
// other than warehouse metadata, by a NUL byte and the canonical JSON of the
// dropped fields and their values (see appendDropped).
func (r *record) encode(stream string, b []byte) ([]byte, string) {
	derive := r.idText == ""
	if derive {
		b = append(b, `{"id":"`+idPrefix+`00000000000000000000000000000000"`...)
	}
	start := len(b)
	b = append(b, '{')
	if !derive {
		b = append(b, `"id":`...)
		b = appendString(b, r.idText)
		b = append(b, ',')
	}
	b = append(b, `"type":`...)
	b = appendString(b, r.typeName)
	b = append(b, `,"timestamp_ms":`...)
	b = strconv.AppendInt(b, r.tsMS, 10)
	b = appendText(b, "custom_event_name", r.customName)
	b = appendText(b, "oppref", r.oppref)
	b = appendText(b, "source_url", r.sourceURL)
	b = appendText(b, "action_source", r.actionSource)
	if !r.u.empty() {
		b = append(b, `,"user":`...)
		b = r.u.append(b)
	}
	if r.optOut.k == boolean {
		b = append(b, `,"opt_out":`...)
		b = append(b, r.optOut.s...)
	}
	b = append(b, `,"data":`...)
	b = r.d.append(b, r.shape, &r.ds.items)
	b = append(b, '}')
	if !derive {
		return b, r.idText
	}
	// Hash stream, NUL and the event in the spare capacity after the event.
	end := len(b)
	b = append(b, stream...)
	b = append(b, 0)
	b = append(b, b[start:end]...)
	if len(r.droppedValues) > 0 {
		b = append(b, 0)
		b = r.appendDropped(b)
	}
	sum := sha256.Sum256(b[end:])
	b = b[:end]
	const at = len(`{"id":"` + idPrefix)
	hex.Encode(b[at:at+32], sum[:16])
	b[start] = ',' // the event without id began with '{'
	return b, string(b[at-len(idPrefix) : at+32])
}

// appendText appends ,"name":"value" when v is present; v is a string (the
// checks have made sure).
func appendText(b []byte, name string, v val) []byte {
	if v.k == absent {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v.s)
}

// appendKey appends the separator, if any, and "key":.
func appendKey(b []byte, first bool, key string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = appendString(b, key)
	return append(b, ':')
}

// appendName appends the separator, if any, and name, a quoted key and colon
// that need no escaping.
func appendName(b []byte, first bool, name string) []byte {
	if !first {
		b = append(b, ',')
	}
	return append(b, name...)
}

// appendVal appends a scanned value; objects and arrays are canonical already.
func appendVal(b []byte, v val) []byte {
	if v.k == text {
		return appendString(b, v.s)
	}
	return append(b, v.s...)
}

func (d *digest) append(b []byte) []byte {
	if d.given != "" {
		return appendString(b, d.given)
	}
	b = append(b, '"')
	b = hex.AppendEncode(b, d.sum[:])
	return append(b, '"')
}

// append writes the user object: the digests, the documented fields, then the
// rest in key order.
func (u *userOut) append(b []byte) []byte {
	b = append(b, '{')
	first := true
	if u.email.present() {
		b = appendName(b, first, `"email_sha256":`)
		b, first = u.email.append(b), false
	}
	if u.externalID.present() {
		b = appendName(b, first, `"external_id_sha256":`)
		b, first = u.externalID.append(b), false
	}
	for i, f := range u.fields {
		if f.k != absent {
			b = appendName(b, first, userFieldNames[i])
			b, first = appendVal(b, f), false
		}
	}
	if len(u.rest) > 1 {
		slices.SortFunc(u.rest, func(x, y member) int { return strings.Compare(x.key, y.key) })
	}
	for _, m := range u.rest {
		b = appendKey(b, first, m.key)
		b, first = appendVal(b, m.v), false
	}
	return append(b, '}')
}

// append writes the data object in its fixed field order: type, amount,
// currency, plan_id, contents.
func (d *dataOut) append(b []byte, shape string, items *itemList) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, shape)
	if d.amount != "" {
		b = append(b, `,"amount":`...)
		b = append(b, d.amount...)
	}
	if d.currency != "" {
		b = append(b, `,"currency":`...)
		b = appendString(b, d.currency)
	}
	if d.planID != "" {
		b = append(b, `,"plan_id":`...)
		b = appendString(b, d.planID)
	}
	if d.hasContents {
		b = append(b, `,"contents":[`...)
		for i := 0; i < items.n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = items.at(i).out.append(b)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// append writes a content item in its fixed field order: id, name,
// content_type, quantity, amount, currency.
func (it *itemOut) append(b []byte) []byte {
	b = append(b, '{')
	first := true
	if it.hasID {
		b = appendName(b, first, `"id":`)
		b, first = appendString(b, it.id), false
	}
	if it.hasName {
		b = appendName(b, first, `"name":`)
		b, first = appendString(b, it.name), false
	}
	if it.hasContentType {
		b = appendName(b, first, `"content_type":`)
		b, first = appendString(b, it.contentType), false
	}
	if it.quantity != "" {
		b = appendName(b, first, `"quantity":`)
		b, first = append(b, it.quantity...), false
	}
	if it.amount != "" {
		b = appendName(b, first, `"amount":`)
		b, first = append(b, it.amount...), false
	}
	if it.currency != "" {
		b = appendName(b, first, `"currency":`)
		b = appendString(b, it.currency)
	}
	return append(b, '}')
}
