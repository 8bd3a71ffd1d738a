package statetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/state"
)

// workers is how many goroutines race for one key: enough to open several
// connections at once on a 2-core machine, few enough to stay fast.
const workers = 16

// race runs fn in workers goroutines released together and returns their
// errors.
func race(fn func(i int) error) []error {
	var (
		start = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make([]error, workers)
	)
	for i := range workers {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// testTakeConcurrent checks that a single-use value is handed to exactly one
// of many simultaneous takers (an authorization code replayed in parallel).
func testTakeConcurrent(t *testing.T, s *state.Store) {
	for round := range 3 {
		mustPut(t, s, "code", item{Count: round}, time.Minute)
		errs := race(func(int) error {
			var got item
			return s.Take(ctx(t), "code", &got)
		})
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, state.ErrNotFound):
				t.Fatalf("Take: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d takers won, want exactly 1", round, won)
		}
	}
}

// testUpdateConcurrent checks optimistic locking: of many simultaneous
// updates of one value, each either lands or reports ErrConflict, and the
// stored count equals the number that landed (no lost update).
func testUpdateConcurrent(t *testing.T, s *state.Store) {
	mustPut(t, s, "flow", item{}, time.Minute)
	errs := race(func(int) error {
		var v item
		return s.Update(ctx(t), "flow", &v, 0, func() error {
			v.Count++
			// Widen the window between read and write so conflicts occur.
			time.Sleep(2 * time.Millisecond)
			return nil
		})
	})
	landed, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			landed++
		case errors.Is(err, state.ErrConflict):
			conflicts++
		default:
			t.Fatalf("Update: %v", err)
		}
	}
	got := mustGet(t, s, "flow")
	if got.Count != landed {
		t.Fatalf("stored count %d, but %d updates reported success (lost update)", got.Count, landed)
	}
	if landed == 0 {
		t.Fatalf("no update landed")
	}
	if conflicts == 0 {
		t.Fatalf("%d overlapping updates, no conflict detected", workers)
	}
}
