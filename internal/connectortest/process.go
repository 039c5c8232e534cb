package connectortest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// DefaultTimeout bounds a run of a binary when Options.Timeout is zero.
const DefaultTimeout = 90 * time.Second

// Options change how Start runs a binary.
type Options struct {
	Env     []string      // KEY=value added to the test's environment
	PeakRSS bool          // run it under /usr/bin/time to read its peak RSS (Result.MaxRSS)
	Timeout time.Duration // after which the process is killed; DefaultTimeout when zero
}

// timeRSSPrefix starts the line /usr/bin/time writes to stderr with the peak RSS in KiB.
const timeRSSPrefix = "connectortest-peak-rss-kib="

// Process is one run of a binary. Its stdout is read line by line as it comes, and each line
// is stamped with the time it was read, so that a line can be compared with what a fake
// server saw. Its methods are for the test's goroutine.
type Process struct {
	t      testing.TB
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stdin  io.WriteCloser
	stderr bytes.Buffer // written by exec's copier; read only after done

	mu     sync.Mutex
	lines  []Line
	notify chan struct{} // a token after each new line
	done   chan struct{} // closed once the process has exited and stdout is read
	exit   int
	err    error
}

// Start runs bin with args. The caller feeds stdin (Send, CloseInput) and calls Wait. The
// process is killed when the test ends, if it still runs.
func Start(t testing.TB, bin string, opts Options, args ...string) *Process {
	t.Helper()
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	p := &Process{t: t, cancel: cancel, notify: make(chan struct{}, 1), done: make(chan struct{})}
	if opts.PeakRSS {
		p.cmd = exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", timeRSSPrefix + "%M", bin}, args...)...)
	} else {
		p.cmd = exec.CommandContext(ctx, bin, args...)
	}
	if opts.Env != nil {
		p.cmd.Env = append(os.Environ(), opts.Env...)
	}
	p.cmd.Stderr = &p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	var err error
	p.stdin, err = p.cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	go p.collect(stdout)
	t.Cleanup(func() {
		cancel() // kills the process if a failed test left it running
		<-p.done
	})
	return p
}

// collect reads stdout to its end, then reaps the process.
func (p *Process) collect(stdout io.Reader) {
	defer close(p.done)
	br := bufio.NewReaderSize(stdout, 1<<20)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			p.mu.Lock()
			p.lines = append(p.lines, Line{Text: strings.TrimSuffix(line, "\n"), At: time.Now()})
			p.mu.Unlock()
			select {
			case p.notify <- struct{}{}:
			default:
			}
		}
		if err != nil {
			break
		}
	}
	err := p.cmd.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exit = p.cmd.ProcessState.ExitCode()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		p.err = err
	}
}

// Pid is the process id (of /usr/bin/time under Options.PeakRSS).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited and its stdout is read.
func (p *Process) Done() <-chan struct{} { return p.done }

// Kill kills the process.
func (p *Process) Kill() { p.cancel() }

// Send writes lines to stdin. It reports false when the process no longer reads (it has
// stopped, as the connector does on a failure).
func (p *Process) Send(lines ...[]byte) bool {
	for _, l := range lines {
		if _, err := p.stdin.Write(l); err != nil {
			return false
		}
	}
	return true
}

// CloseInput ends stdin.
func (p *Process) CloseInput() { _ = p.stdin.Close() }

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(sig))
}

// WaitForLine waits, at most timeout, for a stdout line that matches. It reports whether one
// came.
func (p *Process) WaitForLine(timeout time.Duration, match func(Line) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := 0
	for {
		p.mu.Lock()
		lines := p.lines[seen:]
		seen = len(p.lines)
		p.mu.Unlock()
		for _, l := range lines {
			if match(l) {
				return true
			}
		}
		select {
		case <-p.notify:
		case <-p.done:
			p.mu.Lock()
			more := len(p.lines) > seen
			p.mu.Unlock()
			if !more {
				return false
			}
		case <-deadline.C:
			return false
		}
	}
}

// Result is what a finished run printed.
type Result struct {
	Transcript
	Exit   int
	MaxRSS int64 // peak RSS in bytes, when started with Options.PeakRSS
	Stderr string
}

// Wait waits for the process to end and returns what it printed.
func (p *Process) Wait() *Result {
	p.t.Helper()
	<-p.done
	p.cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	require.NoError(p.t, p.err, "running %s", p.cmd.Path)
	r := &Result{Exit: p.exit, Stderr: p.stderr.String(), Transcript: NewTranscript(p.lines)}
	if before, after, ok := strings.Cut(r.Stderr, timeRSSPrefix); ok {
		kib, rest, _ := strings.Cut(after, "\n")
		n, err := strconv.ParseInt(kib, 10, 64)
		require.NoError(p.t, err, "peak RSS from /usr/bin/time")
		r.MaxRSS, r.Stderr = n<<10, before+rest // stderr stays the binary's
	}
	return r
}

// Run runs bin with stdin to its end and returns what it printed.
func Run(t testing.TB, bin string, opts Options, stdin []byte, args ...string) *Result {
	t.Helper()
	p := Start(t, bin, opts, args...)
	var feeder sync.WaitGroup
	feeder.Go(func() {
		p.Send(stdin)
		p.CloseInput()
	})
	r := p.Wait()
	feeder.Wait()
	return r
}
