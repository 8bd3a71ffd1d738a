package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// File is a Store in one JSON Lines file, appended to and fsynced per
// event: for the demo and a single host. One process at a time may own
// the file; several replicas need PostgreSQL.
type File struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// OpenFile opens (or creates, mode 0600) the trail at path.
func OpenFile(path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &File{path: path, f: f}, nil
}

// Close closes the file.
func (s *File) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}

// Append writes one line.
func (s *File) Append(ctx context.Context, e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return s.f.Sync()
}

// Query reads the file (oldest first, as written) and answers newest
// first; a file store is small enough to hold the matches.
func (s *File) Query(ctx context.Context, f Filter, fn func(Event) error) error {
	var out []Event
	err := s.scan(func(e Event) {
		if f.Match(e) {
			out = append(out, e)
		}
	})
	if err != nil {
		return err
	}
	slices.Reverse(out)
	for i, e := range out {
		if f.Limit > 0 && i >= f.Limit {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (s *File) scan(fn func(Event)) error {
	r, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e Event
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			fn(e)
		}
	}
	return sc.Err()
}

// Prune rewrites the file without the events older than before.
func (s *File) Prune(ctx context.Context, before time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tmp, err := os.CreateTemp(filepath.Dir(s.path), filepath.Base(s.path)+".*.tmp")
	if err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	var n int64
	err = s.scan(func(e Event) {
		if e.Time.Before(before) {
			n++
			return
		}
		b, _ := json.Marshal(e)
		_, _ = w.Write(append(b, '\n'))
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil || n == 0 {
		return 0, err
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	_ = s.f.Close()
	if s.f, err = os.OpenFile(s.path, os.O_APPEND|os.O_WRONLY, 0o600); err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	return n, nil
}
