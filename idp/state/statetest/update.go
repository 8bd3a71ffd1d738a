package statetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/state"
)

func testIncr(t *testing.T, s *state.Store) {
	for want := int64(1); want <= 3; want++ {
		n, err := s.Incr(ctx(t), "n", time.Minute)
		if err != nil || n != want {
			t.Fatalf("Incr = %d, %v; want %d", n, err, want)
		}
	}
	other, err := s.Incr(ctx(t), "other", time.Minute)
	if err != nil || other != 1 {
		t.Fatalf("Incr(other) = %d, %v; counters must be independent", other, err)
	}
}

// testIncrWindow checks the fixed window: the first increment sets the TTL
// and later ones do not push it back.
func testIncrWindow(t *testing.T, s *state.Store) {
	if _, err := s.Incr(ctx(t), "n", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incr(ctx(t), "n", time.Hour); err != nil {
		t.Fatal(err)
	}
	d, err := s.TTL(ctx(t), "n")
	if err != nil {
		t.Fatalf("TTL: %v", err)
	}
	if d <= 0 || d > time.Minute {
		t.Fatalf("TTL = %v; want the first increment's window (≤ 1m)", d)
	}
}

func testUpdate(t *testing.T, s *state.Store) {
	mustPut(t, s, "flow", item{Name: "identify", Count: 1}, time.Minute)
	var v item
	err := s.Update(ctx(t), "flow", &v, time.Hour, func() error {
		if v.Name != "identify" {
			t.Errorf("change saw %+v, want the stored value", v)
		}
		v.Name, v.Count = "verify", v.Count+1
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := mustGet(t, s, "flow"); got != (item{Name: "verify", Count: 2}) {
		t.Fatalf("Get after Update = %+v", got)
	}
	if d, _ := s.TTL(ctx(t), "flow"); d <= time.Minute {
		t.Fatalf("TTL = %v, want the new ttl (~1h)", d)
	}
}

func testUpdateKeepsTTL(t *testing.T, s *state.Store) {
	mustPut(t, s, "flow", item{}, time.Minute)
	var v item
	if err := s.Update(ctx(t), "flow", &v, 0, func() error { v.Count = 7; return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	d, err := s.TTL(ctx(t), "flow")
	if err != nil || d <= 0 || d > time.Minute {
		t.Fatalf("TTL = %v, %v; ttl 0 must keep the remaining lifetime", d, err)
	}
	if got := mustGet(t, s, "flow"); got.Count != 7 {
		t.Fatalf("Get = %+v", got)
	}
}

func testUpdateAbort(t *testing.T, s *state.Store) {
	mustPut(t, s, "flow", item{Count: 1}, time.Minute)
	stop := errors.New("too many attempts")
	var v item
	err := s.Update(ctx(t), "flow", &v, time.Minute, func() error { v.Count = 99; return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("Update = %v, want change's error", err)
	}
	if got := mustGet(t, s, "flow"); got.Count != 1 {
		t.Fatalf("aborted Update wrote %+v", got)
	}
}

func testUpdateMissing(t *testing.T, s *state.Store) {
	var v item
	called := false
	err := s.Update(ctx(t), "absent", &v, time.Minute, func() error { called = true; return nil })
	if !errors.Is(err, state.ErrNotFound) || called {
		t.Fatalf("Update(absent) = %v, change called %v; want ErrNotFound, not called", err, called)
	}
	wantNotFound(t, s, "absent")
}

// testUpdateConflict writes the key from outside while change runs: the
// update must not land.
func testUpdateConflict(t *testing.T, s *state.Store) {
	mustPut(t, s, "flow", item{Name: "old"}, time.Minute)
	var v item
	err := s.Update(ctx(t), "flow", &v, time.Minute, func() error {
		mustPut(t, s, "flow", item{Name: "concurrent"}, time.Minute)
		v.Name = "mine"
		return nil
	})
	if !errors.Is(err, state.ErrConflict) {
		t.Fatalf("Update = %v, want ErrConflict", err)
	}
	if got := mustGet(t, s, "flow"); got.Name != "concurrent" {
		t.Fatalf("Get = %+v, the conflicting update overwrote the other write", got)
	}
}

func testPrefix(t *testing.T, s *state.Store) {
	if k := s.Key("a"); !strings.HasSuffix(k, "a") || k == "a" {
		t.Fatalf("Key(a) = %q, want the prefix then a", k)
	}
	other := state.New(s.Client(), s.Key("other:"))
	mustPut(t, s, "a", item{Name: "mine"}, time.Minute)
	wantNotFound(t, other, "a")
	raw, err := s.Client().Get(ctx(t), s.Key("a")).Result()
	if err != nil || !strings.Contains(raw, `"mine"`) {
		t.Fatalf("raw value under Key(a) = %q, %v; want JSON", raw, err)
	}
}

func testDecodeError(t *testing.T, s *state.Store) {
	if err := s.Client().Set(ctx(t), s.Key("bad"), "not json", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	var v item
	err := s.Get(ctx(t), "bad", &v)
	if err == nil || errors.Is(err, state.ErrNotFound) {
		t.Fatalf("Get(bad) = %v, want a decode error", err)
	}
	if err := s.Put(ctx(t), "x", make(chan int), time.Minute); err == nil {
		t.Fatal("Put of an unencodable value succeeded")
	}
}
