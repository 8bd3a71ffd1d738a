package students

import (
	"context"
	"errors"
	"testing"
	"time"
)

type flaky struct {
	calls int
	err   error
}

func (f *flaky) Lookup(context.Context, string) (Record, error) {
	f.calls++
	if f.err != nil {
		return Record{}, f.err
	}
	return Record{StudentID: "1"}, nil
}

func TestBreaker(t *testing.T) {
	src := &flaky{err: errors.New("ORA-12541: TNS:no listener")}
	b := NewBreaker(src, 3, time.Minute, time.Second)
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	b.now = func() time.Time { return now }
	var changes []bool
	b.OnChange = func(open bool) { changes = append(changes, open) }
	for range 3 {
		if _, err := b.Lookup(context.Background(), "1"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("a failing source: %v, want ErrUnavailable", err)
		}
	}
	for range 10 {
		if _, err := b.Lookup(context.Background(), "1"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("open circuit: %v", err)
		}
	}
	if src.calls != 3 {
		t.Errorf("the open circuit still called the source: %d calls, want 3", src.calls)
	}
	// After the cooldown one probe goes through; a failure reopens.
	now = now.Add(time.Minute)
	_, _ = b.Lookup(context.Background(), "1")
	if src.calls != 4 {
		t.Errorf("no probe after the cooldown: %d calls", src.calls)
	}
	if _, err := b.Lookup(context.Background(), "1"); !errors.Is(err, ErrUnavailable) || src.calls != 4 {
		t.Errorf("a failed probe must reopen the circuit: %v, %d calls", err, src.calls)
	}
	// A successful probe closes it.
	now = now.Add(time.Minute)
	src.err = nil
	if _, err := b.Lookup(context.Background(), "1"); err != nil {
		t.Fatalf("source back: %v", err)
	}
	if _, err := b.Lookup(context.Background(), "1"); err != nil || src.calls != 6 {
		t.Errorf("closed circuit: %v, %d calls", err, src.calls)
	}
	if len(changes) != 2 || !changes[0] || changes[1] {
		t.Errorf("changes %v, want [open close]", changes)
	}
	// Not found is an answer, not a failure.
	src.err = ErrNotFound
	for range 10 {
		if _, err := b.Lookup(context.Background(), "1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("not found: %v", err)
		}
	}
}

type slow struct{}

func (slow) Lookup(ctx context.Context, _ string) (Record, error) {
	<-ctx.Done()
	return Record{}, ctx.Err()
}

// A source slower than the timeout is unavailable, not a mismatch.
func TestBreakerTimeout(t *testing.T) {
	b := NewBreaker(slow{}, 5, time.Minute, 20*time.Millisecond)
	if _, err := b.Lookup(context.Background(), "1"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a slow source: %v", err)
	}
}
