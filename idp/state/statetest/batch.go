package statetest

import (
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/state"
)

// testSwapPrefix: the start of a value swapped once, atomically, its
// lifetime kept; a value already swapped or starting otherwise left as
// it is; a missing key not found.
func testSwapPrefix(t *testing.T, s *state.Store) {
	c := ctx(t)
	if err := s.Put(c, "rec", map[string]any{"active": true, "n": 1}, time.Minute); err != nil {
		t.Fatal(err)
	}
	for i, want := range []state.Swap{state.Swapped, state.Already} {
		got, err := s.SwapPrefix(c, "rec", `{"active":true`, `{"active":false`)
		if err != nil || got != want {
			t.Fatalf("swap #%d = %v, %v; want %v", i+1, got, err, want)
		}
	}
	var rec struct {
		Active bool
		N      int
	}
	if err := s.Get(c, "rec", &rec); err != nil || rec.Active || rec.N != 1 {
		t.Fatalf("after the swap: %+v, %v", rec, err)
	}
	if ttl, err := s.TTL(c, "rec"); err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL after the swap = %v, %v; want the minute kept", ttl, err)
	}
	if err := s.Put(c, "other", map[string]any{"x": 1}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SwapPrefix(c, "other", `{"active":true`, `{"active":false`); err != nil || got != state.Other {
		t.Errorf("swap of another value = %v, %v; want Other", got, err)
	}
	if _, err := s.SwapPrefix(c, "missing", "a", "b"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("swap of a missing key: %v; want ErrNotFound", err)
	}
}

// testSwapPrefixGet: the swap answers with the value as it was before,
// each time; a missing key is not found and leaves the value alone.
func testSwapPrefixGet(t *testing.T, s *state.Store) {
	c := ctx(t)
	if err := s.Put(c, "rec", map[string]any{"active": true, "n": 7}, time.Minute); err != nil {
		t.Fatal(err)
	}
	type rec struct {
		Active bool
		N      int
	}
	for i, want := range []struct {
		swap   state.Swap
		active bool
	}{{state.Swapped, true}, {state.Already, false}} {
		var got rec
		sw, err := s.SwapPrefixGet(c, "rec", `{"active":true`, `{"active":false`, &got)
		if err != nil || sw != want.swap || got.Active != want.active || got.N != 7 {
			t.Fatalf("swap #%d = %v %+v, %v; want %v with active %v", i+1, sw, got, err, want.swap, want.active)
		}
	}
	if ttl, err := s.TTL(c, "rec"); err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL after the swap = %v, %v; want the minute kept", ttl, err)
	}
	// JSON's keys sorted, "active" is not first here.
	if err := s.Put(c, "other", map[string]any{"Active": true, "N": 3}, time.Minute); err != nil {
		t.Fatal(err)
	}
	var other rec
	if sw, err := s.SwapPrefixGet(c, "other", `{"active":true`, `{"active":false`, &other); err != nil || sw != state.Other || other.N != 3 || !other.Active {
		t.Errorf("swap of another value = %v %+v, %v; want Other and the value", sw, other, err)
	}
	untouched := rec{N: 9}
	if _, err := s.SwapPrefixGet(c, "missing", "a", "b", &untouched); !errors.Is(err, state.ErrNotFound) || untouched.N != 9 {
		t.Errorf("swap of a missing key: %v, %+v; want ErrNotFound and the value alone", err, untouched)
	}
}

// testSwapPrefixConcurrent: of many swaps of one value at once, one
// swaps and the others find it done.
func testSwapPrefixConcurrent(t *testing.T, s *state.Store) {
	c := ctx(t)
	if err := s.Put(c, "rec", map[string]any{"active": true}, time.Minute); err != nil {
		t.Fatal(err)
	}
	got := make([]state.Swap, 16)
	errs := race(func(i int) error {
		var err error
		got[i], err = s.SwapPrefix(c, "rec", `{"active":true`, `{"active":false`)
		return err
	})
	swapped := 0
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		if got[i] == state.Swapped {
			swapped++
		}
	}
	if swapped != 1 {
		t.Errorf("%d of the concurrent swaps swapped; want 1", swapped)
	}
}

// testBatch: operations on several keys sent at once each do what they
// do alone; MembersOf reads several sets at once.
func testBatch(t *testing.T, s *state.Store) {
	c := ctx(t)
	mustPut(t, s, "gone", item{Name: "x"}, time.Minute)
	mustPut(t, s, "flag", map[string]any{"active": true}, time.Minute)
	if err := s.AddToSet(c, "fam", "old", time.Minute); err != nil {
		t.Fatal(err)
	}
	var flagged state.Swap = -1
	var flagErr, goneErr error
	err := s.Batch(c, func(b *state.Batch) {
		b.Put("new", item{Name: "n", Count: 2}, time.Minute)
		b.AddToSet("fam", "a", time.Hour)
		b.AddAllToSet("other", []string{"b", "c"}, time.Minute)
		b.AddAllToSet("never", nil, time.Minute)
		b.RemoveFromSet("fam", "old")
		b.RemoveFromSet("fam")
		b.Delete("gone", "absent")
		b.SwapPrefix("flag", `{"active":true`, `{"active":false`, func(sw state.Swap, err error) { flagged, flagErr = sw, err })
		b.SwapPrefix("gone-too", "a", "b", func(_ state.Swap, err error) { goneErr = err })
	})
	if err != nil {
		t.Fatal(err)
	}
	if flagged != state.Swapped || flagErr != nil || !errors.Is(goneErr, state.ErrNotFound) {
		t.Errorf("swap outcomes in a batch: %v %v, missing key: %v", flagged, flagErr, goneErr)
	}
	if got := mustGet(t, s, "new"); got.Name != "n" || got.Count != 2 {
		t.Errorf("put in a batch: %+v", got)
	}
	wantNotFound(t, s, "gone")
	var flag struct{ Active bool }
	if err := s.Get(c, "flag", &flag); err != nil || flag.Active {
		t.Errorf("swap in a batch: %+v, %v", flag, err)
	}
	if ttl, err := s.TTL(c, "fam"); err != nil || ttl <= time.Minute {
		t.Errorf("TTL of the set after a batch = %v, %v; want the hour", ttl, err)
	}
	sets, err := s.MembersOf(c, "fam", "other", "missing", "never")
	if err != nil || len(sets) != 4 {
		t.Fatalf("MembersOf = %v, %v", sets, err)
	}
	sort.Strings(sets[1])
	if got := fmt.Sprint(sets); got != "[[a] [b c] [] []]" {
		t.Errorf("MembersOf = %v; want [[a] [b c] [] []]", got)
	}
	// Reads in a batch: each decoded into its value, a missing key told.
	var got, bad item
	var gotErr, missingErr, badErr error = errors.New("not told"), nil, nil
	mustPut(t, s, "text", "not an item", time.Minute)
	var fam, none []string
	if err := s.Batch(c, func(b *state.Batch) {
		b.Members("fam", func(m []string) { fam = m })
		b.Members("no-such-set", func(m []string) { none = append(m, "told") })
		b.Get("new", &got, func(err error) { gotErr = err })
		b.Get("absent", &item{}, func(err error) { missingErr = err })
		b.Get("text", &bad, func(err error) { badErr = err })
	}); err != nil {
		t.Fatal(err)
	}
	if len(fam) != 1 || fam[0] != "a" || len(none) != 1 {
		t.Errorf("members in a batch: %v, of a missing set %v", fam, none)
	}
	if gotErr != nil || got.Name != "n" || got.Count != 2 || !errors.Is(missingErr, state.ErrNotFound) || badErr == nil || errors.Is(badErr, state.ErrNotFound) {
		t.Errorf("gets in a batch: %+v %v; missing %v; undecodable %v", got, gotErr, missingErr, badErr)
	}
	if err := s.Batch(c, func(*state.Batch) {}); err != nil {
		t.Errorf("an empty batch: %v", err)
	}
	if err := s.Batch(c, func(b *state.Batch) { b.Put("bad", func() {}, time.Minute) }); err == nil {
		t.Error("a batch with a value that cannot be encoded succeeded")
	}
}
