package connectortest

import (
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// update is the -update flag of every test binary that compares with a golden file.
var update = flag.Bool("update", false, "rewrite the golden files from the code")

// Golden returns the committed golden file at path, for the caller to compare with got.
// Run with -update, it first writes got to path, so that the diff of the file shows
// what the code changed.
func Golden(t testing.TB, path string, got []byte) []byte {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "%s is missing: run the test with -update", path)
	return want
}
