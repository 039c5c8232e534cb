package event

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// idPrefix starts every derived id.
const idPrefix = "ab-"

// encode appends the normalised event to b in the fixed field order: id,
// type, timestamp_ms, custom_event_name, oppref, source_url, action_source,
// user, opt_out, data. An event without id gets "ab-" and the hex of the
// first 16 bytes of the SHA-256 of the stream name, a NUL byte and the
// event's canonical form (written with idKeys, without id), followed, when
// normalisation dropped any field other than warehouse metadata and user
// fields, by a NUL byte and the canonical JSON of the dropped fields and
// their values (see appendDropped).
func (r *record) encode(stream string, b []byte) ([]byte, string) {
	derive := r.idText == ""
	if derive {
		b = append(b, `{"id":"`+idPrefix+`00000000000000000000000000000000",`...)
	} else {
		b = append(b, `{"id":`...)
		b = appendString(b, r.idText)
		b = append(b, ',')
	}
	b = r.appendBody(b, wireKeys)
	if !derive {
		return b, r.idText
	}
	// Hash stream, NUL and the canonical form in the spare capacity after
	// the event.
	end := len(b)
	b = append(b, stream...)
	b = append(b, 0, '{')
	b = r.appendBody(b, idKeys)
	if len(r.droppedValues) > 0 {
		b = append(b, 0)
		b = r.appendDropped(b)
	}
	sum := sha256.Sum256(b[end:])
	b = b[:end]
	const at = len(`{"id":"` + idPrefix)
	hex.Encode(b[at:at+32], sum[:16])
	return b, string(b[at-len(idPrefix) : at+32])
}

// appendBody appends the members after id and the closing brace, with the
// names of ks.
func (r *record) appendBody(b []byte, ks *keySet) []byte {
	b = append(b, ks.k[kType]...)
	b = appendString(b, r.typeName)
	b = append(b, ',')
	b = append(b, ks.k[kTimestampMS]...)
	b = strconv.AppendInt(b, r.tsMS, 10)
	b = appendText(b, ks.k[kCustomEventName], r.customName)
	b = appendText(b, ks.k[kOppref], r.oppref)
	b = appendText(b, ks.k[kSourceURL], r.sourceURL)
	if !ks.forID || r.actionSource.k != absent {
		b = appendText(b, ks.k[kActionSource], r.effectiveSource)
	}
	if !r.u.empty() {
		b = append(b, ',')
		b = append(b, ks.k[kUser]...)
		b = r.u.append(b, ks)
	}
	if r.optOut.k == boolean {
		b = append(b, ',')
		b = append(b, ks.k[kOptOut]...)
		b = append(b, r.optOut.s...)
	}
	b = append(b, ',')
	b = append(b, ks.k[kData]...)
	b = r.d.append(b, ks, r.shape, &r.ds.items)
	return append(b, '}')
}

// appendText appends a comma and name (quoted, with its colon) and the
// string v when v is present; v is a string (the checks have made sure).
func appendText(b []byte, name string, v val) []byte {
	if v.k == absent {
		return b
	}
	b = append(b, ',')
	b = append(b, name...)
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

// append writes the user object: the lists, then the scalars, each in the
// order of userLists and userScalars.
func (u *userOut) append(b []byte, ks *keySet) []byte {
	b = append(b, '{')
	first := true
	for i := range u.lists {
		l := &u.lists[i]
		if l.n == 0 {
			continue
		}
		b = appendName(b, first, ks.list[i])
		first = false
		b = append(b, '[')
		for j := 0; j < l.n; j++ {
			if j > 0 {
				b = append(b, ',')
			}
			if userLists[i].hashed {
				b = appendSum(b, &l.sums[j])
			} else if l.plain[j] {
				b = appendString(b, l.s[j])
			} else {
				var buf [256]byte
				b = appendString(b, string(l.normalised(i, j, buf[:0])))
			}
		}
		b = append(b, ']')
	}
	for i, s := range u.scalars {
		if s != "" {
			b = appendName(b, first, ks.scalar[i])
			b, first = appendString(b, s), false
		}
	}
	return append(b, '}')
}

// append writes the data object in its fixed field order: type, amount,
// currency, plan_id, contents, then the additional fields of custom data in
// key order.
func (d *dataOut) append(b []byte, ks *keySet, shape string, items *itemList) []byte {
	b = append(b, '{')
	b = append(b, ks.k[kDataType]...)
	b = appendString(b, shape)
	if d.amount != "" {
		b = appendName(b, false, ks.k[kAmount])
		b = append(b, d.amount...)
	}
	if d.currency != "" {
		b = appendName(b, false, ks.k[kCurrency])
		b = appendString(b, d.currency)
	}
	if d.planID != "" {
		b = appendName(b, false, ks.k[kPlanID])
		b = appendString(b, d.planID)
	}
	if d.hasContents {
		b = appendName(b, false, ks.k[kContents])
		b = append(b, '[')
		for i := 0; i < items.n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = items.at(i).out.append(b, ks)
		}
		b = append(b, ']')
	}
	for _, m := range d.extra {
		b = appendKey(b, false, m.key)
		b = appendVal(b, m.v)
	}
	return append(b, '}')
}

// append writes a content item in its fixed field order: id, group_id, name,
// content_type, quantity, amount, currency, variant_dict.
func (it *itemOut) append(b []byte, ks *keySet) []byte {
	b = append(b, '{')
	first := true
	if it.hasID {
		b = appendName(b, first, ks.k[kItemID])
		b, first = appendString(b, it.id), false
	}
	if it.groupID != "" {
		b = appendName(b, first, ks.k[kGroupID])
		b, first = appendString(b, it.groupID), false
	}
	if it.hasName {
		b = appendName(b, first, ks.k[kName])
		b, first = appendString(b, it.name), false
	}
	if it.hasContentType {
		b = appendName(b, first, ks.k[kContentType])
		b, first = appendString(b, it.contentType), false
	}
	if it.quantity != "" {
		b = appendName(b, first, ks.k[kQuantity])
		b, first = append(b, it.quantity...), false
	}
	if it.amount != "" {
		b = appendName(b, first, ks.k[kAmount])
		b, first = append(b, it.amount...), false
	}
	if it.currency != "" {
		b = appendName(b, first, ks.k[kCurrency])
		b, first = appendString(b, it.currency), false
	}
	if it.variantDict != "" {
		b = appendName(b, first, ks.k[kVariantDict])
		b = append(b, it.variantDict...)
	}
	return append(b, '}')
}
