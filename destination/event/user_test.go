package event

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// prepareUser prepares an order with the given user member text and returns
// the user object sent ("" when none), the dropped fields and the count of
// identity values dropped.
func prepareUser(t *testing.T, p *Preparer, user string) (string, []Dropped, int) {
	t.Helper()
	ev, err := p.Prepare("orders", 1, []byte(`{"id":"o1","type":"order_created",`+ts+`,"user":`+user+`}`))
	require.NoError(t, err)
	out := string(ev.JSON)
	start := strings.Index(out, `"user":`)
	if start < 0 {
		return "", ev.Dropped, ev.IdentityDropped
	}
	end := strings.Index(out, `,"data":`)
	assertIdempotent(t, p, ev)
	return out[start+len(`"user":`) : end], ev.Dropped, ev.IdentityDropped
}

// TestUserAliases sends one value under every alias of the table, in lower
// case, upper case, as a list and as the JSON text of a list, and expects
// the documented list or scalar.
func TestUserAliases(t *testing.T) {
	p := newTestPreparer(t)
	values := map[int]struct{ in, sent string }{
		listEmails:      {" Jane@Example.com ", `"` + sha("jane@example.com") + `"`},
		listPhones:      {"+1 (555) 010-0199", `"` + sha("15550100199") + `"`},
		listExternalIDs: {" Cust-42 ", `"` + sha("Cust-42") + `"`},
		listFirstNames:  {"Anne-Marie", `"` + sha("annemarie") + `"`},
		listLastNames:   {"Ștefănescu", `"` + sha("ștefănescu") + `"`},
		listCountries:   {"us", `"US"`},
		listCities:      {" New York ", `"new york"`},
		listRegions:     {"NY", `"ny"`},
		listPostalCodes: {"10001-1234", `"10001-1234"`},
	}
	digest := sha("digest input")
	scalars := map[int]struct{ in, sent string }{
		scalarObref:     {"ob.1.abc", `"ob.1.abc"`},
		scalarIPAddress: {"203.0.113.9", `"203.0.113.9"`},
		scalarUserAgent: {"Mozilla/5.0", `"Mozilla/5.0"`},
		scalarAndroidID: {"38400000-8cf0-11bd-b23e-10b96e40000d", `"38400000-8cf0-11bd-b23e-10b96e40000d"`},
	}
	for _, a := range userAliases {
		if a.scalar {
			v := scalars[a.target]
			want := `{"` + userScalars[a.target].wire + `":` + v.sent + `}`
			for _, name := range []string{a.name, strings.ToUpper(a.name)} {
				t.Run(name, func(t *testing.T) {
					got, dropped, n := prepareUser(t, p, `{"`+name+`":"`+v.in+`"}`)
					assert.Equal(t, want, got)
					assert.Nil(t, dropped)
					assert.Zero(t, n)
				})
			}
			continue
		}
		in, sent := values[a.target].in, values[a.target].sent
		if a.digest {
			in, sent = strings.ToUpper(digest), `"`+digest+`"`
		}
		want := `{"` + userLists[a.target].wire + `":[` + sent + `]}`
		forms := map[string]string{
			"scalar":            `"` + in + `"`,
			"list":              `["` + in + `"]`,
			"JSON text of list": `"[\"` + in + `\"]"`,
		}
		for form, value := range forms {
			for _, name := range []string{a.name, strings.ToUpper(a.name)} {
				t.Run(name+" as "+form, func(t *testing.T) {
					got, dropped, n := prepareUser(t, p, `{"`+name+`":`+value+`}`)
					assert.Equal(t, want, got)
					assert.Nil(t, dropped)
					assert.Zero(t, n)
				})
			}
		}
	}
}

func TestUserNormalisation(t *testing.T) {
	p := newTestPreparer(t)
	const (
		badEmail   = "is not an e-mail address, so it is not sent"
		badPhone   = "is not a phone number of 8 to 15 digits, so it is not sent"
		badCountry = "is not a two-letter country code, so it is not sent"
		badPlace   = "is empty or longer than 128 characters, so it is not sent"
		badPostal  = "is not a postal code of up to 32 letters, digits, spaces and hyphens, so it is not sent"
		badDigest  = "is not a SHA-256 digest of 64 hex characters, so it is not sent"
		capped     = "holds more than 3 values; the first 3 valid, unique ones are sent"
		notString  = "is not a string, so it is not sent"
	)
	digestInPlain := func(wire string) string {
		return "holds SHA-256 digests, which are sent as they are in " + wire + ", not hashed again"
	}
	for _, tc := range []struct {
		name    string
		user    string
		want    string // the user object sent, "" for none
		dropped []Dropped
		counted int
	}{
		// E-mail.
		{name: "email trimmed and lower-cased, Unicode too", user: `{"email":" ÉLODIE@Example.COM\t"}`, want: `{"emails_sha256":["` + sha("élodie@example.com") + `"]}`},
		{name: "email without @ dropped and counted", user: `{"email":"jane.example.com"}`, dropped: []Dropped{{"user.email", badEmail}}, counted: 1},
		{name: "email with two @ dropped", user: `{"email":"a@b@c"}`, dropped: []Dropped{{"user.email", badEmail}}, counted: 1},
		{name: "email with inner space dropped", user: `{"email":"jane doe@x.com"}`, dropped: []Dropped{{"user.email", badEmail}}, counted: 1},
		{name: "email @ at an end dropped", user: `{"emails":["@x.com","jane@"]}`, dropped: []Dropped{{"user.emails", badEmail}}, counted: 2},
		{name: "email as a number dropped", user: `{"emails":"[5]"}`, dropped: []Dropped{{"user.emails", notString}}, counted: 1},
		// Phone.
		{name: "phone: leading +, spaces, parentheses, periods, hyphens", user: `{"phone":"+44 (020) 7946.0958-1"}`, want: `{"phone_numbers_sha256":["` + sha("44020794609581") + `"]}`},
		{name: "phone: leading zeroes removed", user: `{"phone":"0049 30 1234567"}`, want: `{"phone_numbers_sha256":["` + sha("49301234567") + `"]}`},
		{name: "phone as an integer", user: `{"phone_number":15551234567}`, want: `{"phone_numbers_sha256":["` + sha("15551234567") + `"]}`},
		{name: "phone as an integral float", user: `{"phone_numbers":[1.5551234567e10]}`, want: `{"phone_numbers_sha256":["` + sha("15551234567") + `"]}`},
		{name: "phone with an extension refused, not stripped", user: `{"phone":"+1 555 123 4567 ext. 89"}`, dropped: []Dropped{{"user.phone", badPhone}}, counted: 1},
		{name: "phone with a + inside refused", user: `{"phone":"1+5551234567"}`, dropped: []Dropped{{"user.phone", badPhone}}, counted: 1},
		{name: "phone of 7 digits refused", user: `{"phone":"5551234"}`, dropped: []Dropped{{"user.phone", badPhone}}, counted: 1},
		{name: "phone of 16 digits refused", user: `{"phone":"1234567890123456"}`, dropped: []Dropped{{"user.phone", badPhone}}, counted: 1},
		{name: "phone of 8 and of 15 digits", user: `{"phone":["12345678","123456789012345"]}`, want: `{"phone_numbers_sha256":["` + sha("12345678") + `","` + sha("123456789012345") + `"]}`},
		{name: "phone: fractional or negative number refused", user: `{"phone":[1555123456.7,-15551234567]}`, dropped: []Dropped{{"user.phone", badPhone}}, counted: 2},
		// External id.
		{name: "external id trimmed, case kept", user: `{"external_id":"  AbC-1 "}`, want: `{"external_ids_sha256":["` + sha("AbC-1") + `"]}`},
		{name: "external id as a big integer, exact digits", user: `{"external_id":123456789012345678901234567890}`, want: `{"external_ids_sha256":["` + sha("123456789012345678901234567890") + `"]}`},
		{name: "external id of 64 hex is hashed like any id", user: `{"external_id":"` + digestA + `"}`, want: `{"external_ids_sha256":["` + sha(digestA) + `"]}`},
		// Names.
		{name: "names lose whitespace and ASCII punctuation", user: `{"first_name":" Mary Jane ","last_name":"O'Brien-Smith, Jr."}`, want: `{"first_names_sha256":["` + sha("maryjane") + `"],"last_names_sha256":["` + sha("obriensmithjr") + `"]}`},
		{name: "names keep non-ASCII letters, lower-cased", user: `{"last_name":"ÇELİK"}`, want: `{"last_names_sha256":["` + sha(strings.ToLower("ÇELİK")) + `"]}`},
		{name: "name of punctuation only dropped", user: `{"first_name":" -.' "}`, dropped: []Dropped{{"user.first_name", "is empty once whitespace and punctuation are removed, so it is not sent"}}, counted: 1},
		// Places.
		{name: "country upper-cased", user: `{"country":" gb "}`, want: `{"countries":["GB"]}`},
		{name: "country of three letters dropped", user: `{"country":"USA"}`, dropped: []Dropped{{"user.country", badCountry}}, counted: 1},
		{name: "country not ASCII dropped", user: `{"country":"ÜS"}`, dropped: []Dropped{{"user.country", badCountry}}, counted: 1},
		{name: "city lower-cased (Unicode) and trimmed", user: `{"city":" MÜNCHEN "}`, want: `{"cities":["münchen"]}`},
		{name: "city of 128 characters kept", user: `{"city":"` + strings.Repeat("é", 128) + `"}`, want: `{"cities":["` + strings.Repeat("é", 128) + `"]}`},
		{name: "city of 129 characters dropped", user: `{"city":"` + strings.Repeat("a", 129) + `"}`, dropped: []Dropped{{"user.city", badPlace}}, counted: 1},
		{name: "state is a region", user: `{"state":"CA","region":"ca"}`, want: `{"regions":["ca"]}`},
		{name: "postal code with letters, space and hyphen", user: `{"postal_code":" SW1A 1AA "}`, want: `{"postal_codes":["SW1A 1AA"]}`},
		{name: "postal code with other characters dropped", user: `{"zip":"94107#"}`, dropped: []Dropped{{"user.zip", badPostal}}, counted: 1},
		{name: "postal code of 33 characters dropped", user: `{"zip_code":"` + strings.Repeat("1", 33) + `"}`, dropped: []Dropped{{"user.zip_code", badPostal}}, counted: 1},
		{name: "postal code as a number refused by type", user: `{"zip":"[94107]"}`, dropped: []Dropped{{"user.zip", notString}}, counted: 1},
		// Scalars.
		{name: "obref byte for byte", user: `{"obref":" A b "}`, want: `{"obref":" A b "}`},
		{name: "ip address v6 trimmed", user: `{"ip_address":" ::1 "}`, want: `{"ip_address":"::1"}`},
		{name: "ip address invalid dropped", user: `{"ip_address":"300.1.1.1"}`, dropped: []Dropped{{"user.ip_address", "is not an IPv4 or IPv6 address, so it is not sent"}}, counted: 1},
		{name: "ip address with a zone dropped", user: `{"ip_address":"fe80::1%eth0"}`, dropped: []Dropped{{"user.ip_address", "is not an IPv4 or IPv6 address, so it is not sent"}}, counted: 1},
		{name: "blank user agent dropped", user: `{"user_agent":"  "}`, dropped: []Dropped{{"user.user_agent", "is blank, so it is not sent"}}, counted: 1},
		{name: "android id not a UUID dropped", user: `{"android_advertising_id":"38400000-8cf0-11bd-b23e-10b96e40000"}`, dropped: []Dropped{{"user.android_advertising_id", "is not a UUID, so it is not sent"}}, counted: 1},
		{name: "empty obref dropped", user: `{"obref":""}`, dropped: []Dropped{{"user.obref", "is empty, so it is not sent"}}, counted: 1},
		// Digests.
		{name: "digest lower-cased", user: `{"emails_sha256":["` + strings.ToUpper(digestA) + `"]}`, want: `{"emails_sha256":["` + digestA + `"]}`},
		{name: "malformed digests dropped and counted, the good one kept", user: `{"email_sha256":["abc","` + strings.Repeat("g", 64) + `","` + digestA + `"]}`, want: `{"emails_sha256":["` + digestA + `"]}`, dropped: []Dropped{{"user.email_sha256", badDigest}}, counted: 2},
		{name: "digest in a plaintext e-mail field", user: `{"email":" ` + strings.ToUpper(digestA) + ` "}`, want: `{"emails_sha256":["` + digestA + `"]}`, dropped: []Dropped{{"user.email", digestInPlain("emails_sha256")}}},
		{name: "digest in a plaintext phone field", user: `{"phone":"` + digestA + `"}`, want: `{"phone_numbers_sha256":["` + digestA + `"]}`, dropped: []Dropped{{"user.phone", digestInPlain("phone_numbers_sha256")}}},
		{name: "plaintext digest of a phone is hashed", user: `{"phone_sha256":"+15551234567"}`, dropped: []Dropped{{"user.phone_sha256", badDigest}}, counted: 1},
		// Merging, deduplication and the cap.
		{name: "plaintext and its digest are one value", user: `{"email":"Jane@x.com","email_sha256":"` + sha("jane@x.com") + `"}`, want: `{"emails_sha256":["` + sha("jane@x.com") + `"]}`},
		{name: "duplicates after normalisation are sent once", user: `{"emails":["a@x.com"," A@X.COM ","a@x.com"]}`, want: `{"emails_sha256":["` + sha("a@x.com") + `"]}`},
		{name: "input order kept, capped at 3, the rest reported but not counted", user: `{"cities":["d","c","b","a"]}`, want: `{"cities":["d","c","b"]}`, dropped: []Dropped{{"user.cities", capped}}},
		{name: "aliases merged in table order, whatever the key order", user: `{"countries":["FR","DE"],"country":"US"}`, want: `{"countries":["US","FR","DE"]}`},
		{name: "invalid values do not take a place under the cap", user: `{"countries":["x","FR","y","DE","IT"]}`, want: `{"countries":["FR","DE","IT"]}`, dropped: []Dropped{{"user.countries", badCountry}}, counted: 2},
		{name: "nulls in lists skipped", user: `{"cities":[null,"a",null]}`, want: `{"cities":["a"]}`},
		{name: "empty list sends nothing", user: `{"cities":[],"countries":"[]"}`},
		{name: "broken JSON text of a list dropped", user: `{"cities":"[\"a\""}`, dropped: []Dropped{{"user.cities", "is not valid JSON text of a list, so it is not sent"}}, counted: 1},
		// Undocumented fields.
		{name: "undocumented fields dropped, never sent", user: `{"email_address":"a@x.com","phones":["+15551234567"],"city_sha256":"` + digestA + `","zip_codes":["1"],"x":{"a":1}}`, dropped: []Dropped{
			{"user.city_sha256", reasonUndocumentedUser}, {"user.email_address", reasonUndocumentedUser}, {"user.phones", reasonUndocumentedUser}, {"user.x", reasonUndocumentedUser}, {"user.zip_codes", reasonUndocumentedUser}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, dropped, n := prepareUser(t, p, tc.user)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.dropped, dropped)
			assert.Equal(t, tc.counted, n, "identity values counted as dropped")
		})
	}
}

func TestDefaultActionSource(t *testing.T) {
	_, err := NewPreparer(Options{DefaultActionSource: "app"})
	require.Error(t, err, "a default outside the enum is refused")

	for _, tc := range []struct {
		name, def, in string
		want          string // the action_source sent, "" for none
		rule          string // the rule refusing the record, if any
	}{
		{name: "no default, none sent", in: ev("lead_created", "")},
		{name: "the default fills in", def: "offline", in: ev("lead_created", ""), want: "offline"},
		{name: "the record's value wins", def: "offline", in: ev("lead_created", `"action_source":"email"`), want: "email"},
		{name: "app events get mobile_app before the default", def: "offline", in: ev("app_installed", ""), want: "mobile_app"},
		{name: "a default of web needs source_url", def: "web", in: ev("lead_created", ""), rule: RuleSourceURLRequired},
		{name: "a default of web with source_url", def: "web", in: ev("lead_created", `"source_url":"https://a.example/"`), want: "web"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPreparer(Options{Now: func() time.Time { return testNow }, DefaultActionSource: tc.def})
			require.NoError(t, err)
			e, err := p.Prepare("s", 1, []byte(tc.in))
			if tc.rule != "" {
				assertRule(t, err, "source_url", tc.rule)
				return
			}
			require.NoError(t, err)
			if tc.want == "" {
				assert.NotContains(t, string(e.JSON), "action_source")
			} else {
				assert.Contains(t, string(e.JSON), `"action_source":"`+tc.want+`"`)
			}
		})
	}
}

// TestDerivedIDIgnoresDefaults checks that an action_source from a default
// does not enter a derived id, so changing the setting keeps the ids.
func TestDerivedIDIgnoresDefaults(t *testing.T) {
	in := []byte(`{"type":"lead_created",` + ts + `}`)
	var ids []string
	for _, def := range []string{"", "offline", "email"} {
		p, err := NewPreparer(Options{Now: func() time.Time { return testNow }, DefaultActionSource: def})
		require.NoError(t, err)
		e, err := p.Prepare("leads", 1, in)
		require.NoError(t, err)
		ids = append(ids, e.ID)
	}
	assert.Equal(t, ids[0], ids[1])
	assert.Equal(t, ids[0], ids[2])
}

func TestAliasIndexMatchesTheTable(t *testing.T) {
	for i, a := range userAliases {
		got, ok := aliasIndex(a.name)
		assert.True(t, ok, a.name)
		assert.Equal(t, i, got, a.name)
		assert.LessOrEqual(t, len(a.name), maxAliasLen, a.name)
	}
	_, ok := aliasIndex("emails_sha")
	assert.False(t, ok)
}

// TestAliasTableIsDocumented keeps the alias table of the package
// documentation and of the README in step with userAliases.
func TestAliasTableIsDocumented(t *testing.T) {
	doc := packageDoc(t)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	for _, a := range userAliases {
		assert.Regexp(t, `//\t\| [^\n]*\b`+a.name+`\b[^\n]*\|`, doc, "alias %s missing from the package documentation's table", a.name)
		assert.Contains(t, string(readme), "`"+a.name+"`", "alias %s missing from the README", a.name)
	}
}
