package ldapsync

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/seuil-idp/seuil/idp/students"
)

// readSource loads every valid record, printing invalid rows with their
// line. It returns the records by student number and the student numbers
// of invalid rows (never taken as leavers: a typo is not a departure).
func readSource(ctx context.Context, src students.Bulk, out io.Writer, sum *Summary) (map[string]students.Record, map[string]bool, error) {
	recs := make(map[string]students.Record)
	skip := make(map[string]bool)
	err := src.All(ctx, func(r students.Record) error {
		recs[r.StudentID] = r
		return nil
	}, func(e *students.RowError) {
		sum.Invalid++
		if e.Key != "" {
			skip[e.Key] = true
		}
		fmt.Fprintf(out, "# invalid row: line %d: student %q: %v\n", e.Line, e.Key, e.Err)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ldapsync: read source: %w", err)
	}
	return recs, skip, nil
}

// applyAll runs the ops with opts.Workers concurrent connections, showing
// a progress bar when out is a terminal. Failures are printed and counted;
// they do not stop the other writes.
func applyAll(ctx context.Context, t *target, ops []Op, opts Options, out io.Writer, sum *Summary) {
	bar := newBar(out, len(ops))
	var mu sync.Mutex
	next := make(chan Op)
	var wg sync.WaitGroup
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for op := range next {
				err := t.apply(op)
				mu.Lock()
				if err != nil {
					sum.Errors++
					if bar != nil {
						_ = bar.Clear()
					}
					fmt.Fprintf(out, "# error: student %s (%s): %v\n", op.StudentID, op.DN, err)
					opts.Logger.ErrorContext(ctx, "ldapsync write failed", "student", op.StudentID, "dn", op.DN, "err", err)
				} else {
					count(sum, op.Kind)
				}
				if bar != nil {
					_ = bar.Add(1)
				}
				mu.Unlock()
			}
		}()
	}
	for _, op := range ops {
		if ctx.Err() != nil {
			break
		}
		next <- op
	}
	close(next)
	wg.Wait()
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(out)
	}
}

func newBar(out io.Writer, n int) *progressbar.ProgressBar {
	f, ok := out.(*os.File)
	if !ok || n == 0 || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(out), progressbar.OptionSetDescription("ldapsync"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("entries"),
		progressbar.OptionThrottle(100_000_000))
}

func count(sum *Summary, k OpKind) {
	switch k {
	case OpCreate:
		sum.Created++
	case OpUpdate:
		sum.Updated++
	case OpLeft:
		sum.Left++
	}
}

func countPlanned(sum *Summary, ops []Op) {
	for _, op := range ops {
		count(sum, op.Kind)
	}
}

// dropLeft removes the left policy's writes (see Options.MaxLeft).
func dropLeft(ops []Op) []Op {
	kept := ops[:0]
	for _, op := range ops {
		if op.Kind != OpLeft {
			kept = append(kept, op)
		}
	}
	return kept
}

// countLeft counts the planned writes of the left policy.
func countLeft(ops []Op) int {
	n := 0
	for _, op := range ops {
		if op.Kind == OpLeft {
			n++
		}
	}
	return n
}
