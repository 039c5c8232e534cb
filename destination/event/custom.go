package event

import (
	"slices"
	"strconv"
	"strings"
)

// maxCustomDataBytes bounds the additional fields of custom data: the
// compact JSON of their keys and values, nulls stripped, may hold at most
// this many bytes. It keeps one record from filling a request on its own.
const maxCustomDataBytes = 4096

// customFields keeps the undocumented data fields of custom data, whose shape
// allows additional fields (reference §0.2), as canonical JSON (nulls
// stripped, keys sorted) in key order; any other shape drops them.
func (r *record) customFields() *problem {
	others := r.ds.others
	if len(others) == 0 {
		return nil
	}
	if r.shape != "custom" {
		for _, m := range others {
			r.drop("data."+m.key, "not a documented field, so it is not sent")
			r.keep(sectionData, 0, m.key, m.v)
		}
		return nil
	}
	size := 0
	for i := range others {
		m := &others[i]
		if m.v.k == object || m.v.k == array {
			v, err := canonical(m.v)
			if err != nil {
				return reject("data."+m.key, RuleJSONSyntax, "is not valid JSON") // not reached: the scan checked the syntax
			}
			m.v = v
		}
		size += len(m.key) + len(m.v.s) + 4
		if size > maxCustomDataBytes {
			return rejectHint("data", RuleCustomDataSize, "has additional fields of more than "+strconv.Itoa(maxCustomDataBytes)+" bytes of JSON", "send fewer or smaller custom fields")
		}
	}
	slices.SortFunc(others, func(a, b member) int { return strings.Compare(a.key, b.key) })
	r.d.extra = others
	return nil
}
