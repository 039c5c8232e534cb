// Package e2e holds the connector's end-to-end tests. The connector's binary is built once per
// test process (package connectortest, which also runs it and decodes its stdout); every test
// runs it for spec, check, discover and write, against the fake OpenAI API of package fakeapi
// on a real loopback HTTP server, and checks the protocol properties every run must keep (see
// checkCommon and checkWrite in harness_test.go). The tests mostly wait, on the connector and
// on the fake's delays, so TestMain runs eight at once, unless -parallel says otherwise or
// -race is on. The tests of rejected records (bucket_test.go, rejected_test.go,
// rejected_faults_test.go) store them in a real S3 server on loopback (SeaweedFS, see package
// s3server), one per test process with a bucket per test, and read the bucket back.
//
// Run it with
//
//	go test -race -count=1 ./integration_tests/e2e
//
// and add -short to skip the scenarios that take more than a few seconds.
package e2e
