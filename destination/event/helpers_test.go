package event

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testNow is the fixed clock of every test: five minutes after the time of
// the documentation's example event (1773892800000).
var testNow = time.Date(2026, 3, 19, 4, 5, 0, 0, time.UTC)

func newTestPreparer(t testing.TB) *Preparer {
	t.Helper()
	p, err := NewPreparer(Options{Now: func() time.Time { return testNow }, MaxEventBytes: testMaxEventBytes})
	require.NoError(t, err)
	return p
}

// testMaxEventBytes is the test preparer's bound on an event's JSON, far above every test
// event but the one that checks it.
const testMaxEventBytes = 64 << 10

// docExample is the example body of the API reference (§1), with real
// 64-hex digests.
const docExample = `{"id": "order_12345", "type": "order_created", "timestamp_ms": 1773892800000,
 "oppref": "oppref_abc", "source_url": "https://shop.example.com/checkout/confirmation",
 "action_source": "web",
 "user": {"email_sha256": "b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514",
          "external_id_sha256": "73d8b2b1a3c1f0e5d2b6a7c8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90ab6e", "country": "US",
          "city": "San Francisco", "zip_code": "94107", "ip_address": "203.0.113.1",
          "user_agent": "Mozilla/5.0"},
 "data": {"type": "contents", "amount": 12999, "currency": "USD"}}`

// benchRecord is a realistic record of about 500 bytes: a contents event with
// one item and a user block with a plaintext email.
const benchRecord = `{"id":"order_982731","type":"order_created","timestamp_ms":1773892800000,` +
	`"oppref":"oppref_7f3a9c2e41b84d0c","source_url":"https://shop.example.com/checkout/confirmation",` +
	`"action_source":"web","user":{"email":" Jane.Doe@Example.com ","country":"US","city":"San Francisco",` +
	`"zip_code":"94107","ip_address":"203.0.113.1","user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15"},` +
	`"data":{"type":"contents","amount":12999,"currency":"USD","contents":[{"id":"sku_4411","name":"Trail running shoe",` +
	`"content_type":"product","quantity":1,"amount":12999,"currency":"USD"}]}}`

// packageDoc returns the text of doc.go.
func packageDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	return string(b)
}

// identityRecord is a lead of about 500 bytes with the identity a CRM export
// holds: e-mail, phone, external id, first and last name and city, in
// warehouse spelling, each to normalise and (but the city) hash.
const identityRecord = `{"id":"lead_5531","type":"lead_created","timestamp_ms":1773892800000,` +
	`"oppref":"oppref_7f3a9c2e41b84d0c","action_source":"web","source_url":"https://shop.example.com/contact",` +
	`"user":{"EMAIL":" Jane.Doe@Example.com ","PHONE":"+1 (415) 555-0132","EXTERNAL_ID":"CRM-000981733",` +
	`"FIRST_NAME":"Jane","LAST_NAME":"Doe-Smith","CITY":"San Francisco","COUNTRY":"us",` +
	`"ip_address":"203.0.113.1","user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15"},` +
	`"data":{"type":"customer_action","amount":2500,"currency":"USD"}}`
