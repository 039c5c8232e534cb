package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sha is the lowercase hex SHA-256 of s, as the API wants identity digests.
func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Identity reaches the API as the Conversions API's documented lists, whatever form a
// warehouse holds it in: singular or plural names in any letter case, a scalar, a list or
// the JSON text of a list, digests in plaintext fields and integer phones and ids.
func TestWriteSendsIdentityAsTheDocumentedLists(t *testing.T) {
	t.Parallel()
	s := stream{name: "crm", pixel: "pxl_default"}
	email, phone := sha("jane.doe@example.com"), sha("14155550134")
	for _, tc := range []struct {
		name string
		user string // the record's user member
		want string // the user object the fake receives
	}{
		{name: "scalars in warehouse upper case",
			user: `{"EMAIL":" Jane.Doe@Example.com ","PHONE":"+1 (415) 555-0134","EXTERNAL_ID":" CRM-42 ","FIRST_NAME":"Jane","LAST_NAME":"O'Neil","CITY":" San Francisco ","STATE":"CA","ZIP":"94107","COUNTRY":"us"}`,
			want: `{"emails_sha256":["` + email + `"],"phone_numbers_sha256":["` + phone + `"],"external_ids_sha256":["` + sha("CRM-42") + `"],"first_names_sha256":["` + sha("jane") + `"],"last_names_sha256":["` + sha("oneil") + `"],"countries":["US"],"cities":["san francisco"],"regions":["ca"],"postal_codes":["94107"]}`},
		{name: "lists, with duplicates after normalisation and more than three values",
			user: `{"emails":["jane.doe@example.com","JANE.DOE@example.com ","b@x.com","c@x.com","d@x.com"],"countries":["US","GB"]}`,
			want: `{"emails_sha256":["` + email + `","` + sha("b@x.com") + `","` + sha("c@x.com") + `"],"countries":["US","GB"]}`},
		{name: "JSON text of lists",
			user: `{"phone_numbers":"[\"+1 415 555 0134\", \"004930123456\"]","cities":"[\"Berlin\"]"}`,
			want: `{"phone_numbers_sha256":["` + phone + `","` + sha("4930123456") + `"],"cities":["berlin"]}`},
		{name: "integer phone and external id",
			user: `{"phone_number":14155550134,"external_ids":[1234567890123456789012]}`,
			want: `{"phone_numbers_sha256":["` + phone + `"],"external_ids_sha256":["` + sha("1234567890123456789012") + `"]}`},
		{name: "digests in plaintext fields and pixel names",
			user: `{"email":"` + strings.ToUpper(email) + `","phone":"` + phone + `","external_id_sha256":"` + sha("CRM-42") + `","zip_code":"SW1A 1AA","city":"London"}`,
			want: `{"emails_sha256":["` + email + `"],"phone_numbers_sha256":["` + phone + `"],"external_ids_sha256":["` + sha("CRM-42") + `"],"cities":["london"],"postal_codes":["SW1A 1AA"]}`},
		{name: "invalid values and undocumented fields are dropped, the event is sent",
			user: `{"email":"not-an-address","phone":"+1 415 555 0134 ext. 2","email_sha256":"abc","nickname":"JDnick42","ip_address":"203.0.113.7"}`,
			want: `{"ip_address":"203.0.113.7"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, cfg := defaultPixelSetup(t)
			cfg["continue_on_errors"] = true
			in := newInput()
			r := &inRecord{stream: s, number: 1, typ: "lead_created", id: "identity-1"}
			in.numbers[s.key()] = 1
			in.addRecord(r, fmt.Sprintf(`{"id":%q,"type":"lead_created","timestamp_ms":%d,"action_source":"other","user":%s}`, r.id, in.now, tc.user))
			in.streamState(s)
			res := run(t, in.bytes(0), writeArgs(t, cfg, catalogOf(s))...)
			require.Equal(t, 0, res.Exit, "exit code; stdout:\n%s", res.Stdout)
			events := f.api.Events()
			require.Len(t, events, 1)
			var sent struct {
				User json.RawMessage `json:"user"`
			}
			require.NoError(t, json.Unmarshal(events[0].Raw, &sent))
			assert.JSONEq(t, tc.want, string(sent.User))
			for _, secret := range []string{"Jane.Doe", "415 555", "not-an-address", "JDnick42"} {
				assert.NotContains(t, string(events[0].Raw), secret, "plaintext reached the API")
				assert.NotContains(t, string(res.Stdout), secret, "plaintext reached the logs")
			}
		})
	}
}
