package fakeapi

import (
	"fmt"
	"unicode/utf8"
)

// userField says how a documented user key is checked (reference §0.1).
type userField uint8

const (
	userDigests     userField = iota + 1 // a list of 64 lower-case hex digits
	userCountries                        // a list of two upper-case ASCII letters
	userPlaces                           // a list of strings of 1-128 characters
	userPostalCodes                      // a list of 1-32 ASCII letters, digits, spaces and hyphens
	userScalar                           // a non-empty string
)

// userFields are the only keys the Conversions API's user object takes.
var userFields = map[string]userField{
	"emails_sha256": userDigests, "phone_numbers_sha256": userDigests, "external_ids_sha256": userDigests,
	"first_names_sha256": userDigests, "last_names_sha256": userDigests,
	"countries": userCountries, "cities": userPlaces, "regions": userPlaces, "postal_codes": userPostalCodes,
	"obref": userScalar, "ip_address": userScalar, "user_agent": userScalar, "android_advertising_id": userScalar,
}

// pixelUserFields maps the Measurement Pixel's (and June 2026's) singular
// user names to the Conversions API key that replaces them.
var pixelUserFields = map[string]string{
	"email_sha256": "emails_sha256", "phone_number_sha256": "phone_numbers_sha256",
	"external_id_sha256": "external_ids_sha256", "first_name_sha256": "first_names_sha256",
	"last_name_sha256": "last_names_sha256", "country": "countries", "city": "cities",
	"region": "regions", "zip_code": "postal_codes", "postal_code": "postal_codes",
}

// plaintextUserFields are user keys that would carry raw personal data, and
// the digest list to use instead.
var plaintextUserFields = map[string]string{
	"email": "emails_sha256", "emails": "emails_sha256", "phone": "phone_numbers_sha256",
	"phone_number": "phone_numbers_sha256", "phone_numbers": "phone_numbers_sha256",
	"external_id": "external_ids_sha256", "external_ids": "external_ids_sha256",
	"first_name": "first_names_sha256", "last_name": "last_names_sha256",
}

// maxUserValues is the most values the fake takes in one user list. The
// real API uses the first three valid, unique values and ignores the rest
// (reference §0.1); the fake refuses more, since the connector never sends
// more and a fourth value would be a defect.
const maxUserValues = 3

// user reads events[i].user: an object of documented keys only, each of its
// documented shape. A pixel name, plaintext personal data and any other key
// are refused.
func (v *validator) user(i int) error {
	if present, err := v.open(kindObject, evParam(i, "user")); !present {
		return err
	}
	return v.s.object(func(key []byte) error {
		p := evParam(i, "user."+string(key))
		f, ok := userFields[string(key)]
		if !ok {
			return refusedUserKey(p, string(key))
		}
		if f == userScalar {
			s, present, err := v.readString()
			if err != nil {
				return at(err, p)
			}
			if present && len(s) == 0 {
				return invalid(p, fmt.Sprintf("Invalid value for '%s': must not be empty.", p))
			}
			return nil
		}
		return v.userList(p, f)
	})
}

// refusedUserKey explains why user key is refused.
func refusedUserKey(p, key string) error {
	if to, ok := pixelUserFields[key]; ok {
		return invalid(p, fmt.Sprintf("Invalid user field '%s': '%s' is a Measurement Pixel field. The Conversions API takes '%s', a list.", p, key, to))
	}
	if to, ok := plaintextUserFields[key]; ok {
		return invalid(p, fmt.Sprintf("Plaintext personal data is not accepted: '%s'. Send '%s' (a list of lower-case hex SHA-256) instead.", p, to))
	}
	return unrecognized(p)
}

// userList reads a list-valued user field at param p.
func (v *validator) userList(p string, f userField) error {
	if present, err := v.open(kindArray, p); !present {
		return err
	}
	return v.s.array(func(j int) error {
		ep := fmt.Sprintf("%s[%d]", p, j)
		if j >= maxUserValues {
			return invalid(p, fmt.Sprintf("Invalid value for '%s': at most %d values.", p, maxUserValues))
		}
		s, present, err := v.readString()
		if err != nil {
			return at(err, ep)
		}
		if !present {
			return at(&mismatch{"a string", kindNull}, ep)
		}
		if msg := checkUserValue(f, s); msg != "" {
			return invalid(ep, fmt.Sprintf("Invalid value for '%s': %s", ep, msg))
		}
		return nil
	})
}

// checkUserValue returns what is wrong with one value of a user list, or "".
func checkUserValue(f userField, s []byte) string {
	switch f {
	case userDigests:
		if !validSHA256(s) {
			return "expected 64 lower-case hexadecimal characters (SHA-256)."
		}
	case userCountries:
		if len(s) != 2 || !isUpper(s[0]) || !isUpper(s[1]) {
			return "expected a two-letter country code such as 'US'."
		}
	case userPlaces:
		if n := utf8.RuneCount(s); n == 0 || n > 128 {
			return "expected 1 to 128 characters."
		}
	case userPostalCodes:
		if len(s) == 0 || len(s) > 32 {
			return "expected 1 to 32 characters."
		}
		for _, c := range s {
			if !isAlnum(c) && c != ' ' && c != '-' {
				return "use letters, numbers, spaces or hyphens."
			}
		}
	}
	return ""
}
