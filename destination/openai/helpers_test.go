package openai

// testKey is the API key of the tests. It is long and distinctive so that a leak is found by
// a plain substring search.
const testKey = "sk-svcacct-" + testKeyMark + "0123456789abcdefXYZ"

// testKeyMark is the part of testKey that no other text contains.
const testKeyMark = "TESTKEY"
