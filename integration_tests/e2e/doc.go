// Package e2e holds the connector's end-to-end tests. TestMain builds the connector's binary
// once; every test runs it through os/exec for spec, check, discover and write, against the
// fake OpenAI API of package fakeapi on a real loopback HTTP server, and checks the protocol
// properties every run must keep (see checkCommon and checkWrite in harness_test.go).
//
// Run it with
//
//	go test -race -count=1 ./integration_tests/e2e
//
// and add -short to skip the scenarios that take more than a few seconds.
package e2e
