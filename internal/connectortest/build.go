package connectortest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// BinaryEnv names an environment variable that, when set, gives the connector binary to test
// instead of building one, such as one taken out of the Docker image. Binary honours it for
// the default build only.
const BinaryEnv = "E2E_BINARY"

// Build says what to build: a main package of this module and the linker flags.
type Build struct {
	// Package is the main package's directory relative to the module root, "." (the
	// connector) when empty.
	Package string
	// LDFlags are passed to go build -ldflags, such as "-X main.version=1.2.3".
	LDFlags string
}

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

// BuildTo runs go build for b into dir, which it creates, and returns the binary's path. It
// needs the go command on PATH and builds without -race, whatever the test process uses.
func BuildTo(ctx context.Context, dir string, b Build) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	pkg := b.Package
	if pkg == "" {
		pkg = "."
	}
	name := filepath.Base(filepath.Join(ModuleRoot(), pkg))
	if pkg == "." {
		name = ConnectorName
	}
	path := filepath.Join(dir, name)
	args := []string{"build", "-o", path}
	if b.LDFlags != "" {
		args = append(args, "-ldflags", b.LDFlags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./"+filepath.ToSlash(filepath.Clean(pkg)))...)
	cmd.Dir = ModuleRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, bytes.TrimSpace(out))
	}
	return path, nil
}

// ConnectorName is the file name of the connector binary.
const ConnectorName = "destination-openai-ads-conversions"

// ModuleRoot returns the absolute path of the module's root directory (where go.mod is),
// found from this source file's location, so that it works from any working directory.
func ModuleRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("connectortest: cannot locate the source file")
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

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
