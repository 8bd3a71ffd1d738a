package students

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/students/pegasetest"
)

// The cache, in front of the Pégase of the tests: a record is served from
// memory while younger than the maximum age and never after; unknown
// students and failures are never kept.
func TestCache(t *testing.T) {
	t.Parallel()
	srv := pegasetest.Start(t)
	srv.Add(learner("22012345"))
	now := time.Unix(1_800_000_000, 0)
	c := NewCache(newPegase(t, srv, nil), time.Minute, 3)
	c.now = func() time.Time { return now }
	ctx := context.Background()

	steps := []struct {
		name      string
		advance   time.Duration
		id        string
		fail      int32
		wantCalls int64 // calls to Pégase for this step (a lookup is 3)
		wantErr   error
	}{
		{"first lookup asks", 0, "22012345", 0, 3, nil},
		{"again at once: memory", 0, "22012345", 0, 0, nil},
		{"59s later: memory", 59 * time.Second, "22012345", 0, 0, nil},
		{"60s after the first: asked again", time.Second, "22012345", 0, 3, nil},
		{"unknown: asked", 0, "29999999", 0, 1, ErrNotFound},
		{"unknown again: asked again", 0, "29999999", 0, 1, ErrNotFound},
		{"stale and Pégase down: the error, not the stale record", time.Minute, "22012345", 503, 1, errAny},
		{"Pégase back: asked, the failure was not kept", 0, "22012345", 0, 3, nil},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		srv.Fail.Store(s.fail)
		before := srv.Calls.Load()
		rec, err := c.Lookup(ctx, s.id)
		switch {
		case s.wantErr == nil && (err != nil || rec.StudentID != s.id):
			t.Errorf("%s: Lookup = %+v, %v", s.name, rec, err)
		case s.wantErr == errAny && err == nil, s.wantErr != nil && s.wantErr != errAny && !errors.Is(err, s.wantErr):
			t.Errorf("%s: Lookup error %v, want %v", s.name, err, s.wantErr)
		}
		if got := srv.Calls.Load() - before; got != s.wantCalls {
			t.Errorf("%s: %d calls to Pégase, want %d", s.name, got, s.wantCalls)
		}
	}

	// The bound holds however many students come.
	for i := range 20 {
		id := fmt.Sprintf("2201%04d", i)
		srv.Add(learner(id))
		if _, err := c.Lookup(ctx, id); err != nil {
			t.Fatal(err)
		}
		if n := len(c.m); n > 3 {
			t.Fatalf("%d records held, bound 3", n)
		}
	}
}

var errAny = errors.New("any error")
