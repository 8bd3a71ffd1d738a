// Package ldapsync reconciles a student source (APOGEE, Pégase) into the
// LDAP directory: it reads every student and every account once, plans
// the differences, then applies them with a few concurrent connections.
// It creates missing accounts (state created, no password), updates the
// attributes the source owns (names, INE, mobile, personal e-mail,
// enrolment year, end-of-studies date) and applies a policy to students
// who left. It never touches passwords, never changes an account's
// activation state (except under the lock policy) and never deletes.
// Running it twice changes nothing the second time.
package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/students"
)

// Options configure a run.
type Options struct {
	Source students.Bulk
	// Directory is the same LDAP configuration the server uses (write
	// URL, service account, base DN, attribute names, domain for ePPN).
	Directory ldapdir.Config
	// LoginPattern makes a login from a student number; default
	// "{student_id}T" (directory.ExpandLogin).
	LoginPattern string
	// Left is the policy for accounts of students absent from the
	// source; default LeftMark.
	Left LeftPolicy
	// MaxLeft refuses to apply the left policy when more accounts than
	// this fraction of the directory would be hit (an empty or truncated
	// extraction must not mark every student as gone); default 0.2.
	// Force skips the check.
	MaxLeft float64
	Force   bool
	// Workers is the number of concurrent LDAP connections; default 4.
	Workers int
	// DryRun prints the planned changes as LDIF and writes nothing.
	DryRun bool
	// Now is the clock (tests); default time.Now.
	Now    func() time.Time
	Logger *slog.Logger // default slog.Default()
}

// Summary counts what a run did (or, in a dry run, would do).
type Summary struct {
	Created, Updated, Unchanged int
	Left                        int // accounts the left policy changed
	Leavers                     int // accounts absent from the source
	Invalid                     int // source rows skipped
	Errors                      int // failed writes and students with several entries
	Elapsed                     time.Duration
	// Phases: reading the source and the directory (concurrently, so
	// both count from the start), and applying the changes.
	SourceTime, SnapshotTime, ApplyTime time.Duration
}

func (s Summary) String() string {
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("created %d, updated %d, unchanged %d, left %d (of %d absent from source), invalid rows %d, errors %d, "+
		"in %s (source %s, directory %s, apply %s)",
		s.Created, s.Updated, s.Unchanged, s.Left, s.Leavers, s.Invalid, s.Errors,
		ms(s.Elapsed), ms(s.SourceTime), ms(s.SnapshotTime), ms(s.ApplyTime))
}

// ErrTooManyLeft means the left policy would hit more than MaxLeft of
// the directory; nothing was marked.
var ErrTooManyLeft = errors.New("ldapsync: too many students absent from the source")

// Run reads the source and the directory, plans, and applies (or, with
// DryRun, prints) the changes. Invalid source rows are printed with their
// line and skipped. Write failures do not stop the run; it returns an
// error if any happened, after doing everything else.
func Run(ctx context.Context, opts Options, out io.Writer) (Summary, error) {
	start := time.Now()
	if out == nil {
		out = io.Discard
	}
	opts = opts.withDefaults()
	if err := opts.check(); err != nil {
		return Summary{}, err
	}
	// A sync is a batch job that holds every account in memory: a higher
	// GC target trades memory for the collector's time, which dominated
	// reading 100,000 accounts; a soft memory limit keeps that trade from
	// growing the heap without end (the collector works harder near it,
	// rather than the process taking five times what it holds). An
	// operator's GOGC and GOMEMLIMIT win.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(syncMemoryLimit))
	}
	l, err := newLayout(opts.Directory, opts.LoginPattern, opts.Now())
	if err != nil {
		return Summary{}, err
	}
	t, err := connect(opts.Directory, l, opts.Workers)
	if err != nil {
		return Summary{}, err
	}
	defer t.close()
	var sum Summary
	// The source (CPU-bound parsing here) and the snapshot (mostly the
	// directory's work) are read at the same time.
	var (
		recs    map[string]students.Record
		skip    map[string]bool
		srcErr  error
		srcDone = make(chan struct{})
	)
	go func() {
		defer close(srcDone)
		recs, skip, srcErr = readSource(ctx, opts.Source, out, &sum)
		sum.SourceTime = time.Since(start)
	}()
	snap, dups, err := t.snapshot(ctx)
	sum.SnapshotTime = time.Since(start)
	<-srcDone
	if err = errors.Join(srcErr, err); err != nil {
		return sum, err
	}
	for _, id := range sortedKeys(dups) {
		sum.Errors++
		skip[id] = true
		delete(recs, id)
		fmt.Fprintf(out, "# error: student %s has several entries, left alone: %s\n", id, strings.Join(dups[id], "; "))
	}
	p := l.plan(recs, snap, skip, opts.Left)
	size := len(snap)
	recs, snap = nil, nil // let the GC have them back during apply
	sum.Unchanged, sum.Leavers = p.Unchanged, p.Leavers
	var guardErr error
	// The guard weighs the accounts the policy would change now, not every
	// absent one: leavers of earlier years, already marked, stay absent
	// for good and would otherwise trip it on every run.
	if hit := countLeft(p.Ops); !opts.Force && float64(hit) > opts.MaxLeft*float64(size) {
		guardErr = fmt.Errorf("%w: %d accounts, more than %.0f%% of the directory; check the source or use force",
			ErrTooManyLeft, hit, opts.MaxLeft*100)
		p.Ops = dropLeft(p.Ops)
	}
	if opts.DryRun {
		if err := writeLDIF(out, l, p.Ops); err != nil {
			return sum, err
		}
		countPlanned(&sum, p.Ops)
	} else {
		applyStart := time.Now()
		applyAll(ctx, t, p.Ops, opts, out, &sum)
		sum.ApplyTime = time.Since(applyStart)
	}
	sum.Elapsed = time.Since(start)
	fmt.Fprintln(out, "# "+sum.String())
	opts.Logger.InfoContext(ctx, "ldapsync done", "dry_run", opts.DryRun, "created", sum.Created,
		"updated", sum.Updated, "unchanged", sum.Unchanged, "left", sum.Left, "invalid", sum.Invalid,
		// A duration in a JSON log line is a count of nanoseconds; an
		// operator reads "1.234s".
		"errors", sum.Errors, "elapsed", sum.Elapsed.Round(time.Millisecond).String())
	switch {
	case sum.Errors > 0:
		return sum, errors.Join(fmt.Errorf("ldapsync: %d errors (see output)", sum.Errors), guardErr)
	case ctx.Err() != nil:
		return sum, ctx.Err()
	}
	return sum, guardErr
}

// syncMemoryLimit is the soft limit of a sync's heap: 256 MiB holds the
// 100,000 students of a large university with room to spare.
const syncMemoryLimit = 256 << 20

func (o Options) check() error {
	if o.Source == nil {
		return errors.New("ldapsync: no student source")
	}
	switch o.Left {
	case LeftMark, LeftLock, LeftLeave:
		return nil
	}
	return fmt.Errorf("ldapsync: left policy %q is not one of mark, lock, leave", o.Left)
}

func (o Options) withDefaults() Options {
	if o.Left == "" {
		o.Left = LeftMark
	}
	if o.MaxLeft <= 0 {
		o.MaxLeft = 0.2
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
