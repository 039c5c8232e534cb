package connectortest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/internal/gobuild"
)

// BinaryEnv names an environment variable that, when set, gives the connector binary to test
// instead of building one, such as one taken out of the Docker image. Binary honours it for
// the default build only.
const BinaryEnv = "E2E_BINARY"

// Build says what to build (see gobuild.Build).
type Build = gobuild.Build

// builds is the process's cache of built binaries: each Build is built once per test process
// and shared by every test of it.
var builds struct {
	once sync.Once
	dir  string // where the binaries go, removed by Main
	err  error
	mu   sync.Mutex
	done map[Build]*built
}

type built struct {
	dir  string // of its own
	once sync.Once
	path string
	err  error
}

// Binary returns the path of the connector binary, built once per test process (or the one
// BinaryEnv names). It fails the test when the build fails.
func Binary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv(BinaryEnv); bin != "" {
		return bin
	}
	return BinaryOf(t, Build{})
}

// BinaryOf returns the path of the binary b describes, built once per test process. It fails
// the test when the build fails.
func BinaryOf(t testing.TB, b Build) string {
	t.Helper()
	path, err := BuildOnce(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// BuildOnce builds b on its first call in this process and returns the binary's path; later
// calls with the same b wait for the first and share its result. It is safe for concurrent
// use. The binaries live in a temporary directory that Main removes.
func BuildOnce(ctx context.Context, b Build) (string, error) {
	builds.once.Do(func() {
		builds.dir, builds.err = os.MkdirTemp("", "connectortest-")
		builds.done = map[Build]*built{}
	})
	if builds.err != nil {
		return "", builds.err
	}
	builds.mu.Lock()
	one, ok := builds.done[b]
	if !ok {
		one = &built{dir: filepath.Join(builds.dir, fmt.Sprintf("build%d", len(builds.done)))}
		builds.done[b] = one
	}
	builds.mu.Unlock()
	one.once.Do(func() { one.path, one.err = BuildTo(ctx, one.dir, b) })
	return one.path, one.err
}

// BuildTo builds b into dir and returns the binary's path (see gobuild.To).
func BuildTo(ctx context.Context, dir string, b Build) (string, error) {
	return gobuild.To(ctx, dir, b)
}

// ConnectorName is the file name of the connector binary.
const ConnectorName = gobuild.ConnectorName

// ModuleRoot returns the absolute path of the module's root directory (see gobuild.ModuleRoot).
func ModuleRoot() string { return gobuild.ModuleRoot() }

// Main runs a package's tests and then removes the binaries they built. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(connectortest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	builds.mu.Lock()
	dir := builds.dir
	builds.mu.Unlock()
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	return code
}
