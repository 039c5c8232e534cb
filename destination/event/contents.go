package event

import "strconv"

// item is one content item: its fields as scanned, then as sent.
type item struct {
	notObject                                         bool
	id, name, contentType, quantity, amount, currency val // as scanned
	groupID, variantDict                              val

	out itemOut
}

// itemOut is a normalised content item.
type itemOut struct {
	id, name, contentType, quantity, amount, currency string
	groupID                                           string
	variantDict                                       string // canonical JSON of the object
	hasID, hasName, hasContentType                    bool
}

// itemList holds the content items, the first ones inline so that a typical
// event needs no allocation. It must not be copied after use.
type itemList struct {
	first [2]item
	more  []item
	n     int
}

func (l *itemList) add() *item {
	l.n++
	if l.n <= len(l.first) {
		return &l.first[l.n-1]
	}
	l.more = append(l.more, item{})
	return &l.more[len(l.more)-1]
}

func (l *itemList) at(i int) *item {
	if i < len(l.first) {
		return &l.first[i]
	}
	return &l.more[i-len(l.first)]
}

// scanItems reads the contents array at p.i into r.ds.items; null elements
// are left out.
func (r *record) scanItems(p *parser) error {
	e := p.elems()
	for e.next(p) {
		if p.i < len(p.s) && p.s[p.i] == '{' {
			if err := r.scanItem(p, r.ds.items.add(), r.ds.items.n-1); err != nil {
				return err
			}
		} else if _, ok := e.value(p); ok {
			r.ds.items.add().notObject = true
		}
	}
	return e.err
}

// scanItem reads the content item at p.i, dropping undocumented fields.
func (r *record) scanItem(p *parser, it *item, i int) error {
	var others []string
	m := p.members()
	for m.next(p) {
		v, ok := m.value(p)
		if !ok {
			continue
		}
		undocumented, dup := fill(it.slot(m.key), &others, m.key, v)
		switch {
		case dup:
			return reject(itemPath(i, ""), RuleJSONDuplicateKey, "has a duplicate key")
		case undocumented && !isMetadata(m.key):
			r.drop("data.contents[]."+m.key, "not a documented field, so it is not sent")
			r.keep(sectionContents, i, m.key, v)
		}
	}
	return m.err
}

func (it *item) slot(k string) *val {
	switch k {
	case "id":
		return &it.id
	case "name":
		return &it.name
	case "content_type":
		return &it.contentType
	case "quantity":
		return &it.quantity
	case "amount":
		return &it.amount
	case "currency":
		return &it.currency
	case "group_id":
		return &it.groupID
	case "variant_dict":
		return &it.variantDict
	}
	return nil
}

// itemPath is the path of field (or of the item, when field is empty) of
// item i.
func itemPath(i int, field string) string {
	return join("data.contents["+strconv.Itoa(i)+"]", field)
}

// normaliseContents normalises data.contents: items scanned with the data,
// or the JSON text of an array. cur is the event's currency, which covers
// items without one.
func (r *record) normaliseContents(cur string) *problem {
	if blank, prob := r.scanComposite(compositeContents, r.ds.contents); blank || prob != nil {
		return prob
	}
	r.d.hasContents = true
	for i := 0; i < r.ds.items.n; i++ {
		it := r.ds.items.at(i)
		if prob := it.normalise(cur); prob != nil {
			prob.path = itemPath(i, prob.path)
			return prob
		}
	}
	return nil
}

// normalise checks a content item and fills it.out; the paths in its
// problems are relative to the item.
func (it *item) normalise(eventCur string) *problem {
	if it.notObject {
		return reject("", RuleContentObject, "must be a JSON object")
	}
	o := &it.out
	var prob *problem
	if it.id.k != absent {
		if o.id, prob = identifier(it.id, "id"); prob != nil {
			return prob
		}
		o.hasID = true
	}
	if it.groupID.k != absent {
		if o.groupID, prob = identifier(it.groupID, "group_id"); prob != nil {
			return prob
		}
	}
	if o.variantDict, prob = normaliseVariantDict(it.variantDict); prob != nil {
		return prob
	}
	if o.name, o.hasName, prob = optionalString(it.name, "name"); prob != nil {
		return prob
	}
	if o.contentType, o.hasContentType, prob = optionalString(it.contentType, "content_type"); prob != nil {
		return prob
	}
	if o.quantity, prob = normaliseQuantity(it.quantity); prob != nil {
		return prob
	}
	cur, exp, prob := optionalCurrency(it.currency, "currency")
	if prob != nil {
		return prob
	}
	o.currency = cur
	if cur == "" && eventCur != "" {
		cur, exp = eventCur, currencyExponents[eventCur]
	}
	o.amount, prob = normaliseAmount(it.amount, "", cur, exp)
	return prob
}

func optionalString(v val, path string) (string, bool, *problem) {
	switch v.k {
	case absent:
		return "", false, nil
	case text:
		return v.s, true, nil
	}
	return "", false, wrongType(path, RuleStringType, v.k, "a string")
}

// normaliseQuantity checks a content item's quantity: a positive integer, in
// any JSON number notation or as the text of a plain integer ("2"). It
// returns the integer digits.
func normaliseQuantity(v val) (string, *problem) {
	const hint = "a whole number of items such as 1"
	if v.k == absent {
		return "", nil
	}
	if v = integerText(v); v.k != number {
		return "", notANumber("quantity", RuleQuantityPositive, v, "a positive integer", hint)
	}
	i, digits, ok := integer(v.s)
	if !ok || i < 1 {
		return "", rejectHint("quantity", RuleQuantityPositive, "must be a positive integer", hint)
	}
	return digits, nil
}

// normaliseVariantDict checks a content item's variant_dict, an object whose
// values are strings (nulls are stripped), and returns its canonical JSON,
// keys sorted; an empty object is left out.
func normaliseVariantDict(v val) (string, *problem) {
	if v.k == absent {
		return "", nil
	}
	bad := rejectHint("variant_dict", RuleVariantDictStrings, "must be an object whose values are strings", `{"size":"M","color":"blue"}`)
	if v.k != object {
		return "", bad
	}
	t, err := parseValue(v.s)
	if err != nil {
		return "", bad // not reached: the scan checked the syntax
	}
	m := t.(map[string]any)
	for k, e := range m {
		switch e.(type) {
		case nil:
			delete(m, k)
		case string:
		default:
			return "", bad
		}
	}
	if len(m) == 0 {
		return "", nil
	}
	return string(appendValue(nil, m)), nil
}
