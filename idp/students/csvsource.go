package students

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// CSVConfig configures a CSV student source: a file that the APOGEE
// extraction job rewrites (typically every few minutes during enrolment).
type CSVConfig struct {
	Path   string
	Format CSVFormat
	// CheckEvery bounds how often Lookup stats the file to see whether it
	// changed (default 2s): a stat per lookup would be cheap, but not
	// free under load.
	CheckEvery time.Duration
	// Settle is how long the file must have stayed unchanged before it
	// is reloaded (default 2s), so that a file being rewritten in place
	// is not read half-written. Writing a temporary file and renaming it
	// over the old one is still the safe way for the extraction job.
	Settle time.Duration
	Logger *slog.Logger // default slog.Default()
}

// ErrNoStudents means a reloaded extraction holds no valid student; the
// previous contents are kept.
var ErrNoStudents = errors.New("students: extraction holds no valid student")

// CSV is a student source backed by an extraction file. Lookup serves
// from an in-memory map reloaded when the file's modification time or size
// changes; All reads the file afresh.
type CSV struct {
	cfg  CSVConfig
	snap atomic.Pointer[csvSnapshot]
	mu   sync.Mutex // serialises reloads
}

type csvSnapshot struct {
	byID    map[string]Record
	modTime time.Time
	size    int64
	checked time.Time
	bad     int
	skipped []SkippedRow // the first maxKeptRows
}

// NewCSV loads the file once, so a missing or unusable file is reported at
// start rather than at the first student's lookup.
func NewCSV(ctx context.Context, cfg CSVConfig) (*CSV, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("students: CSV source: no path")
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = 2 * time.Second
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &CSV{cfg: cfg}
	if err := c.reload(ctx, time.Now()); err != nil {
		return nil, err
	}
	return c, nil
}

// Lookup returns the record of studentID, or ErrNotFound.
func (c *CSV) Lookup(ctx context.Context, studentID string) (Record, error) {
	now := time.Now()
	if now.Sub(c.snap.Load().checked) >= c.cfg.CheckEvery {
		c.maybeReload(ctx, now)
	}
	r, ok := c.snap.Load().byID[strings.TrimSpace(studentID)]
	if !ok {
		return Record{}, ErrNotFound
	}
	return r, nil
}

// All calls fn for every valid row of the file as it is now.
func (c *CSV) All(ctx context.Context, fn func(Record) error, bad func(*RowError)) error {
	return CSVFile{Path: c.cfg.Path, Format: c.cfg.Format}.All(ctx, fn, bad)
}

// maybeReload stats the file and reloads it if it changed. A failed reload
// keeps serving the previous contents: the extraction job may be halfway
// through rewriting the file, and an old list beats an empty one.
func (c *CSV) maybeReload(ctx context.Context, now time.Time) {
	if !c.mu.TryLock() {
		return // another goroutine is checking; serve the current map
	}
	defer c.mu.Unlock()
	old := c.snap.Load()
	if now.Sub(old.checked) < c.cfg.CheckEvery {
		return
	}
	fi, err := os.Stat(c.cfg.Path)
	unchanged := err == nil && fi.ModTime().Equal(old.modTime) && fi.Size() == old.size
	settling := err == nil && now.Sub(fi.ModTime()) < c.cfg.Settle
	if unchanged || settling {
		next := *old
		next.checked = now
		c.snap.Store(&next)
		return
	}
	if err == nil {
		err = c.load(ctx, now)
	}
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "student CSV reload failed; keeping previous contents",
			"path", c.cfg.Path, "err", err)
		next := *old
		next.checked = now
		c.snap.Store(&next)
	}
}

func (c *CSV) reload(ctx context.Context, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.load(ctx, now)
}

// load reads the file into a new snapshot; the caller holds mu.
func (c *CSV) load(ctx context.Context, now time.Time) error {
	fi, err := os.Stat(c.cfg.Path)
	if err != nil {
		return fmt.Errorf("students: %w", err)
	}
	data, err := os.ReadFile(c.cfg.Path)
	if err != nil {
		return fmt.Errorf("students: %w", err)
	}
	s := &csvSnapshot{byID: make(map[string]Record), modTime: fi.ModTime(), size: fi.Size(), checked: now}
	err = ReadCSV(ctx, data, c.cfg.Format,
		func(r Record) error { s.byID[r.StudentID] = r; return nil },
		func(e *RowError) {
			// Each row by its line, student number and reason (the
			// reasons name a rule, never a value): the admin fixes the
			// extraction from the log. A flood is cut after 100 lines.
			s.bad++
			if len(s.skipped) < maxKeptRows {
				s.skipped = append(s.skipped, SkippedRow{Line: e.Line, StudentID: e.Key, Rule: e.Rule()})
			}
			if s.bad <= maxLoggedRows {
				c.cfg.Logger.WarnContext(ctx, "student CSV row skipped", "path", c.cfg.Path,
					"line", e.Line, "student", e.Key, "reason", e.Err.Error())
			}
		})
	if err != nil {
		return fmt.Errorf("students: %s: %w", c.cfg.Path, err)
	}
	// A failed or empty extraction query leaves a header-only file:
	// serving it would turn every student away mid-enrolment.
	if old := c.snap.Load(); old != nil && len(old.byID) > 0 && len(s.byID) == 0 {
		return fmt.Errorf("%w: %s (%d invalid rows)", ErrNoStudents, c.cfg.Path, s.bad)
	}
	c.snap.Store(s)
	c.cfg.Logger.InfoContext(ctx, "student CSV loaded", "path", c.cfg.Path,
		"students", len(s.byID), "invalid_rows", s.bad, "rows_logged", min(s.bad, maxLoggedRows))
	return nil
}

// maxLoggedRows bounds the invalid rows logged one by one per load;
// maxKeptRows those kept for the staff console.
const (
	maxLoggedRows = 100
	maxKeptRows   = 1000
)

// Skipped lists the rows the loaded file left out (the first 1,000) and
// how many there were: the staff console shows them, since each is a
// student turned away at step 1 until the extraction is fixed.
func (c *CSV) Skipped() ([]SkippedRow, int) {
	if s := c.snap.Load(); s != nil {
		return s.skipped, s.bad
	}
	return nil, 0
}

// InvalidRows is how many rows the loaded file skipped (a metric).
func (c *CSV) InvalidRows() int {
	if s := c.snap.Load(); s != nil {
		return s.bad
	}
	return 0
}
