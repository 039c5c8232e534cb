// Package s3server runs a real S3-compatible server (SeaweedFS's weed server -s3) on
// loopback for tests. EnsureBinary builds weed once from the Go module proxy into a cache
// folder outside the repository; Start runs one server with its own data folder, free ports
// and an access key, and stops it when the test ends.
package s3server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Module and Version are the SeaweedFS module built.
const (
	Module  = "github.com/seaweedfs/seaweedfs"
	Version = "v0.0.0-20261109003541-7506e5f91cd6"
)

// Region is the region the server answers for.
const Region = "us-east-1"

// BinaryPath returns where EnsureBinary puts weed: under $XDG_CACHE_HOME (or ~/.cache),
// openai-ads-dest/weed-VERSION/weed.
func BinaryPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "openai-ads-dest", "weed-"+Version, "weed"), nil
}

// EnsureBinary returns the path of weed, building it first when it is missing: go mod
// download, a writable copy of the module, go build ./weed (minutes on a cold cache). A lock
// file makes parallel callers (test packages) wait for one build instead of building twice.
func EnsureBinary(ctx context.Context) (string, error) {
	bin, err := BinaryPath()
	if err != nil {
		return "", err
	}
	if isFile(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	unlock, err := lock(ctx, bin+".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if isFile(bin) { // built by another process while this one waited
		return bin, nil
	}
	return bin, build(ctx, bin)
}

// Built tells whether weed is in the cache already, so that EnsureBinary will not build it.
func Built() bool {
	bin, err := BinaryPath()
	return err == nil && isFile(bin)
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// lock takes an exclusive flock on path, polling so that ctx can end the wait.
func lock(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// build downloads the module, copies it somewhere writable (the module cache is read-only,
// and go install refuses a module with replace directives) and builds weed into bin.
func build(ctx context.Context, bin string) error {
	out, err := exec.CommandContext(ctx, "go", "mod", "download", "-json", Module+"@"+Version).Output()
	if err != nil {
		return fmt.Errorf("go mod download %s@%s: %w", Module, Version, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return fmt.Errorf("go mod download %s: no folder in %q", Module, out)
	}
	src := filepath.Join(filepath.Dir(bin), "src")
	if err := os.RemoveAll(src); err != nil {
		return err
	}
	for _, args := range [][]string{{"cp", "-r", mod.Dir, src}, {"chmod", "-R", "u+w", src}} {
		if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %w: %s", args, err, out)
		}
	}
	tmp := bin + ".tmp"
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, "./weed")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build weed: %w: %s", err, tail(out))
	}
	if err := os.RemoveAll(src); err != nil {
		return err
	}
	return os.Rename(tmp, bin)
}

func tail(b []byte) []byte {
	if len(b) > 2000 {
		return b[len(b)-2000:]
	}
	return b
}

// Server is one running weed server.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	dir       string
	cmd       *exec.Cmd
	done      chan struct{}
}

// T is the part of testing.TB that Start and CreateBucket use; an interface, so that programs
// (the demo, the benchmark's server) can import this package without linking package testing.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
	Context() context.Context
}

// Start launches a server for one test (or test package, from TestMain through Launch) and
// closes it when t ends.
func Start(t T) *Server {
	t.Helper()
	s, err := Launch(t.Context())
	if err != nil {
		t.Fatalf("start the S3 server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Launch builds weed if needed, starts a server on free loopback ports with a fresh access
// key and its own data folder, and waits until its S3 port answers. Close stops it.
func Launch(ctx context.Context) (*Server, error) {
	bin, err := EnsureBinary(ctx)
	if err != nil {
		return nil, fmt.Errorf("build the S3 server: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port may be taken between choice and use
		dir, err := os.MkdirTemp("", "s3server-")
		if err != nil {
			return nil, err
		}
		s, err := start(ctx, bin, dir)
		if err == nil {
			return s, nil
		}
		os.RemoveAll(dir)
		lastErr = err
	}
	return nil, lastErr
}

// Close stops the server and deletes its data.
func (s *Server) Close() {
	s.stop()
	os.RemoveAll(s.dir)
}

// Client returns an S3 client of the server, signed with its key.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region: Region, BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
}

// NewBucket creates a bucket with a fresh random name and returns the name.
func (s *Server) NewBucket(ctx context.Context) (string, error) {
	name := "t-" + strings.ToLower(rand.Text()[:12])
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		return "", fmt.Errorf("create bucket %s: %w", name, err)
	}
	return name, nil
}

// CreateBucket creates a bucket named after the test, so that tests do not share one.
func (s *Server) CreateBucket(t T) string {
	t.Helper()
	name, err := s.NewBucket(t.Context())
	if err != nil {
		t.Fatalf("%v", err)
	}
	return name
}

// Objects returns every object of bucket, by key, read whole.
func (s *Server) Objects(ctx context.Context, bucket string) (map[string][]byte, error) {
	client := s.Client()
	out := map[string][]byte{}
	pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				return nil, err
			}
			body, err := io.ReadAll(got.Body)
			got.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", *o.Key, err)
			}
			out[*o.Key] = body
		}
	}
	return out, nil
}

func start(ctx context.Context, bin, dir string) (*Server, error) {
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, AccessKey: "AKIA" + rand.Text()[:16], SecretKey: rand.Text() + rand.Text()[:14], done: make(chan struct{})}
	identities := filepath.Join(dir, "identities.json")
	if err := os.WriteFile(identities, s.identities(), 0o600); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	s.Endpoint = fmt.Sprintf("http://127.0.0.1:%d", ports[3])
	var log bytes.Buffer
	s.cmd = exec.Command(bin, "server", "-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		fmt.Sprintf("-master.port=%d", ports[0]), fmt.Sprintf("-volume.port=%d", ports[1]),
		fmt.Sprintf("-filer.port=%d", ports[2]), "-s3", fmt.Sprintf("-s3.port=%d", ports[3]),
		"-s3.config="+identities,
		// small volumes, as many as the disk holds: each bucket takes volumes of its own
		"-master.volumeSizeLimitMB=32", "-volume.max=0")
	s.cmd.Stdout, s.cmd.Stderr = &log, &log
	// Its own process group, to stop it whole; killed with the test binary should that die
	// before Close (a test timeout).
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w; its log ends: %s", err, tail(log.Bytes()))
	}
	return s, nil
}

func (s *Server) identities() []byte {
	b, _ := json.Marshal(map[string]any{"identities": []any{map[string]any{
		"name":        "test",
		"credentials": []any{map[string]string{"accessKey": s.AccessKey, "secretKey": s.SecretKey}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}})
	return b
}

// waitReady polls the S3 port until it answers (any HTTP answer: an anonymous request gets 403).
func (s *Server) waitReady(ctx context.Context, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-s.done:
			return errors.New("the server exited")
		case <-ctx.Done():
			return fmt.Errorf("the server did not answer within %v", within)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// stop kills the server's process group and waits for it.
func (s *Server) stop() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-s.done
}

// freePorts returns n free loopback ports below 55000, so that the +10000 gRPC ports weed
// also opens stay valid; it checks those are free too.
func freePorts(n int) ([]int, error) {
	var ports []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for tries := 0; len(ports) < n && tries < 200; tries++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		if port >= 55000 {
			l.Close()
			continue
		}
		grpc, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+10000))
		if err != nil {
			l.Close()
			continue
		}
		held = append(held, l, grpc)
		ports = append(ports, port)
	}
	if len(ports) < n {
		return nil, errors.New("no free ports")
	}
	return ports, nil
}
