// Package gobuild builds this module's main packages (the connector, the fake API) with the go
// command, for the tests and for the demo. It imports no testing code, so that programs can use
// it too.
package gobuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Build says what to build: a main package of this module and the linker flags.
type Build struct {
	// Package is the main package's directory relative to the module root, "." (the
	// connector) when empty.
	Package string
	// LDFlags are passed to go build -ldflags, such as "-X main.version=1.2.3".
	LDFlags string
}

// To runs go build for b into dir, which it creates, and returns the binary's path. It
// needs the go command on PATH and builds without -race, whatever the test process uses.
func To(ctx context.Context, dir string, b Build) (string, error) {
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
		panic("gobuild: cannot locate the source file")
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}
