package event

// key names a member the encoder writes, other than id and the user fields.
type key int

const (
	kType key = iota
	kTimestampMS
	kCustomEventName
	kOppref
	kSourceURL
	kActionSource
	kUser
	kOptOut
	kData
	kDataType
	kAmount
	kCurrency
	kPlanID
	kContents
	kItemID
	kGroupID
	kName
	kContentType
	kQuantity
	kVariantDict
	numKeys
)

// keySet holds the member names an event is written with, each quoted and
// followed by a colon.
type keySet struct {
	k      [numKeys]string
	list   [numUserLists]string
	scalar [numUserScalars]string
	// forID marks the canonical form behind derived ids, which leaves out
	// what the record did not say (an action_source from a default).
	forID bool
}

func newKeySet(names [numKeys]string, forID bool) *keySet {
	ks := &keySet{forID: forID}
	for i, n := range names {
		ks.k[i] = `"` + n + `":`
	}
	for i, l := range userLists {
		n := l.wire
		if forID {
			n = l.tag
		}
		ks.list[i] = `"` + n + `":`
	}
	for i, s := range userScalars {
		n := s.wire
		if forID {
			n = s.tag
		}
		ks.scalar[i] = `"` + n + `":`
	}
	return ks
}

// wireKeys are the names the API reads (reference §0).
var wireKeys = newKeySet([numKeys]string{
	kType: "type", kTimestampMS: "timestamp_ms", kCustomEventName: "custom_event_name", kOppref: "oppref",
	kSourceURL: "source_url", kActionSource: "action_source", kUser: "user", kOptOut: "opt_out", kData: "data",
	kDataType: "type", kAmount: "amount", kCurrency: "currency", kPlanID: "plan_id", kContents: "contents",
	kItemID: "id", kGroupID: "group_id", kName: "name", kContentType: "content_type", kQuantity: "quantity",
	kVariantDict: "variant_dict",
}, false)

// idKeys are the names of the canonical form hashed into a derived id. They
// name what a field means, and must never change: a change would give every
// replayed record a new id, and OpenAI would count it twice. When a wire name
// changes, change wireKeys (or a list's wire name), never these.
var idKeys = newKeySet([numKeys]string{
	kType: "type", kTimestampMS: "timestamp_ms", kCustomEventName: "custom_event_name", kOppref: "oppref",
	kSourceURL: "source_url", kActionSource: "action_source", kUser: "user", kOptOut: "opt_out", kData: "data",
	kDataType: "type", kAmount: "amount", kCurrency: "currency", kPlanID: "plan_id", kContents: "contents",
	kItemID: "id", kGroupID: "group_id", kName: "name", kContentType: "content_type", kQuantity: "quantity",
	kVariantDict: "variant_dict",
}, true)
