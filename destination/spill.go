package destination

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// maxSpillBytes bounds the temporary file of spilled bodies (see spillStore). Past it, reading
// stdin waits for the byte budget, as it does without a spill. The items of a spilled batch
// (about 60 bytes per event) stay in memory, about a ninth of its body for typical events.
const maxSpillBytes = 1 << 30

// errSpillFull is a body that does not fit in what is left of the spill's bound.
var errSpillFull = errors.New("the spill file is at its bound")

// errSpillBroken is a body not spilled because an earlier write to the spill file failed.
var errSpillBroken = errors.New("the spill file failed earlier")

// spillRef is where a spilled body sits in the spill file, followed by its batch's record data
// (see batch.raw) when that is kept.
type spillRef struct {
	off   int64
	n     int // body and record data
	bodyN int // body alone
}

// spillStore keeps the bodies of batches that cannot be held in memory (their pixel is over its
// share of the byte budget and not making progress) in one temporary file per sync, so that
// reading stdin goes on for the other pixels. The file is created in os.TempDir() at the first
// spill and unlinked at once where the system allows it (it then disappears with the process,
// whatever the way it ends), else removed by close. Space is appended to and reclaimed when no
// spilled body is left. A write that fails (a full disk) breaks the store: every later put
// fails, and warn is called once. Safe for concurrent use.
type spillStore struct {
	dir   string // os.TempDir() (a test's directory in tests)
	limit int64
	warn  func(msg string) // called once, at the first failure

	mu     sync.Mutex
	file   *os.File
	name   string // the file's path while it is not yet removed
	end    int64  // bytes written
	live   int    // bodies spilled and not yet released
	broken bool
	closed bool
}

// newSpillStore returns a store of at most limit bytes in dir, creating nothing yet.
func newSpillStore(dir string, limit int64, warn func(string)) *spillStore {
	return &spillStore{dir: dir, limit: limit, warn: warn}
}

// fits tells whether a body of n bytes may be spilled now.
func (s *spillStore) fits(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.broken && !s.closed && s.end+int64(n) <= s.limit
}

// put writes body to the file and returns where it is. It fails with errSpillFull past the
// bound, errSpillBroken after an earlier failure, or the write's error.
func (s *spillStore) put(body, raw []byte) (spillRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(body) + len(raw)
	switch {
	case s.broken || s.closed:
		return spillRef{}, errSpillBroken
	case s.end+int64(n) > s.limit:
		return spillRef{}, errSpillFull
	}
	if err := s.openLocked(); err != nil {
		return spillRef{}, s.breakLocked(err)
	}
	ref := spillRef{off: s.end, n: n, bodyN: len(body)}
	if _, err := s.file.WriteAt(body, ref.off); err != nil {
		return spillRef{}, s.breakLocked(err)
	}
	if _, err := s.file.WriteAt(raw, ref.off+int64(len(body))); err != nil {
		return spillRef{}, s.breakLocked(err)
	}
	s.end += int64(n)
	s.live++
	return ref, nil
}

// openLocked creates the file at the first spill. Called with mu held.
func (s *spillStore) openLocked() error {
	if s.file != nil {
		return nil
	}
	f, err := os.CreateTemp(s.dir, "openai-ads-spill-*")
	if err != nil {
		return err
	}
	s.file = f
	if os.Remove(f.Name()) != nil {
		s.name = f.Name() // removed by close instead
	}
	return nil
}

// breakLocked marks the store broken, warns once, and returns err. Called with mu held.
func (s *spillStore) breakLocked(err error) error {
	s.broken = true
	if s.warn != nil {
		s.warn(fmt.Sprintf("Spilling waiting batches to a temporary file in %s failed (%v); reading the input now waits for a stuck pixel instead.", s.dir, err))
	}
	return err
}

// read returns the body at ref, byte for byte what put wrote.
func (s *spillStore) read(ref spillRef) (body, raw []byte, err error) {
	s.mu.Lock()
	f := s.file
	s.mu.Unlock()
	if f == nil {
		return nil, nil, errSpillBroken
	}
	buf := make([]byte, ref.n)
	if _, err := f.ReadAt(buf, ref.off); err != nil {
		return nil, nil, fmt.Errorf("read spilled body: %w", err)
	}
	return buf[:ref.bodyN:ref.bodyN], buf[ref.bodyN:], nil
}

// release says that the body at ref will not be read again. When no spilled body is left, the
// file's space is reused from its start.
func (s *spillStore) release(ref spillRef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live--
	if s.live == 0 && s.file != nil && !s.closed {
		s.end = 0
		// A truncate that fails only leaves the disk space in use: it is written over.
		_ = s.file.Truncate(0)
	}
}

// close closes and removes the file. Later puts fail; it may be called more than once.
func (s *spillStore) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	if s.name != "" {
		err = errors.Join(err, os.Remove(s.name))
		s.name = ""
	}
	s.file = nil
	return err
}
