// Package connectortest is what the connector's tests share to run it as the platform does:
// it builds the connector (or another main package of the module) once per test process,
// runs the binary with its stdout read line by line, decodes the stdout transcript into
// protocol messages (by type, error traces, logs), writes configuration and catalog files,
// finds loopback ports where nothing listens, and compares with golden files (-update
// rewrites them).
//
// It imports neither the connector's packages nor the fake API, so that any test package,
// the destination package's internal tests included, can use it without an import cycle.
package connectortest
