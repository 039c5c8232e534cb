package event

import (
	"encoding/json"
	"strconv"
)

// Sections of the canonical form of the dropped fields.
const (
	sectionEvent     = "event"      // undocumented top-level fields
	sectionData      = "data"       // undocumented data fields, and a plan_id the shape has not
	sectionContents  = "contents"   // undocumented content item fields, by item index
	sectionSourceURL = "source_url" // source_url as given, when parts of it were removed
)

// droppedValue is a field that normalisation removed, with its value as
// scanned. The values are never sent: they only go into the hash of a derived
// id, so that two records that differ only in what was dropped get distinct
// ids.
type droppedValue struct {
	section string
	index   int // the item's index, for sectionContents
	key     string
	v       val
}

// keep notes a dropped field's value for the derived id. Warehouse metadata
// columns are never kept: they change on every replay. Nor is anything
// dropped from source_url, and user fields are never kept at all (the scan
// of user never calls keep): personal data must not reach OpenAI even hashed
// (a hash of a phone number is reversed by trying every number), and the id
// is sent.
func (r *record) keep(section string, index int, key string, v val) {
	if section == sectionSourceURL {
		return
	}
	r.droppedValues = append(r.droppedValues, droppedValue{section: section, index: index, key: key, v: v})
}

// appendDropped appends the canonical JSON of the dropped fields: an object
// with a member per section that has any (contents, data, event), each an object of the dropped fields by key (contents: an object by
// item index of such objects; source_url: the string as given). Keys are
// sorted at every level and nulls removed, so the form depends only on the
// fields and their values, not on their order in the record.
func (r *record) appendDropped(b []byte) []byte {
	tree := make(map[string]any, 5)
	for _, d := range r.droppedValues {
		v := treeValue(d.v)
		if d.section == sectionSourceURL {
			tree[d.section] = v
			continue
		}
		sec, _ := tree[d.section].(map[string]any)
		if sec == nil {
			sec = map[string]any{}
			tree[d.section] = sec
		}
		if d.section == sectionContents {
			i := strconv.Itoa(d.index)
			item, _ := sec[i].(map[string]any)
			if item == nil {
				item = map[string]any{}
				sec[i] = item
			}
			sec = item
		}
		sec[d.key] = v
	}
	return appendValue(b, tree)
}

// treeValue decodes a scanned value into the generic tree, nulls stripped.
// Objects and arrays were syntax-checked by the scan; a duplicate key inside
// a dropped value is allowed, and the last one wins, as in encoding/json.
func treeValue(v val) any {
	switch v.k {
	case text:
		return v.s
	case number:
		return json.Number(v.s)
	case boolean:
		return v.s == "true"
	case object, array:
		p := parser{s: v.s, lastWins: true}
		t, err := p.value()
		if err != nil {
			return v.s // not reached: the scan checked the syntax
		}
		return stripNulls(t)
	}
	return nil
}
