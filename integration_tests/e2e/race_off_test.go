//go:build !race

package e2e

// raceDetector tells whether the tests run with -race.
const raceDetector = false
