// Package statetest is the conformance suite of the state store: one set of
// behaviours that every Redis backend Seuil runs on (a real redis-server,
// Sentinel or Cluster, and the embedded in-process server of the demo) must
// show, so that the demo cannot drift from production.
package statetest

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/idp/state"
)

// NewClient returns a client on an empty (or at least private) database for
// one test; the suite gives each subtest its own key prefix, so one server
// may be shared.
type NewClient func(t *testing.T) redis.UniversalClient

// item is the JSON value the suite stores.
type item struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// expiryWait is how long the suite waits for a key stored with a 1 s TTL to
// be gone. Redis expires keys with millisecond precision; the margin covers
// a loaded 2-core CI machine.
const (
	shortTTL   = time.Second
	expiryWait = 1100 * time.Millisecond
)

// Run runs every conformance test against the backend newClient returns.
func Run(t *testing.T, newClient NewClient) {
	rdb := newClient(t)
	tests := []struct {
		name string
		fn   func(t *testing.T, s *state.Store)
	}{
		{"PutGet", testPutGet},
		{"GetMissing", testGetMissing},
		{"PutOverwrites", testPutOverwrites},
		{"PutNew", testPutNew},
		{"Take", testTake},
		{"TakeConcurrent", testTakeConcurrent},
		{"Delete", testDelete},
		{"TTL", testTTL},
		{"Expiry", testExpiry},
		{"Incr", testIncr},
		{"IncrWindow", testIncrWindow},
		{"Update", testUpdate},
		{"UpdateKeepsTTL", testUpdateKeepsTTL},
		{"UpdateAbort", testUpdateAbort},
		{"UpdateMissing", testUpdateMissing},
		{"UpdateConflict", testUpdateConflict},
		{"UpdateConcurrent", testUpdateConcurrent},
		{"Sets", testSets},
		{"SwapPrefix", testSwapPrefix},
		{"SwapPrefixGet", testSwapPrefixGet},
		{"SwapPrefixConcurrent", testSwapPrefixConcurrent},
		{"Batch", testBatch},
		{"Prefix", testPrefix},
		{"DecodeError", testDecodeError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, state.New(rdb, "conf:"+tc.name+":"))
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func mustPut(t *testing.T, s *state.Store, key string, v any, ttl time.Duration) {
	t.Helper()
	if err := s.Put(ctx(t), key, v, ttl); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, s *state.Store, key string) item {
	t.Helper()
	var got item
	if err := s.Get(ctx(t), key, &got); err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return got
}

func wantNotFound(t *testing.T, s *state.Store, key string) {
	t.Helper()
	var got item
	if err := s.Get(ctx(t), key, &got); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("Get(%q) = %+v, %v; want ErrNotFound", key, got, err)
	}
}

func testPutGet(t *testing.T, s *state.Store) {
	want := item{Name: "élise", Count: 3}
	mustPut(t, s, "a", want, time.Minute)
	if got := mustGet(t, s, "a"); got != want {
		t.Fatalf("Get = %+v, want %+v", got, want)
	}
}

func testGetMissing(t *testing.T, s *state.Store) {
	wantNotFound(t, s, "absent")
	var got item
	if err := s.Take(ctx(t), "absent", &got); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("Take(absent) = %v, want ErrNotFound", err)
	}
	if _, err := s.TTL(ctx(t), "absent"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("TTL(absent) = %v, want ErrNotFound", err)
	}
}

func testPutOverwrites(t *testing.T, s *state.Store) {
	mustPut(t, s, "a", item{Name: "one"}, time.Minute)
	mustPut(t, s, "a", item{Name: "two"}, time.Hour)
	if got := mustGet(t, s, "a"); got.Name != "two" {
		t.Fatalf("Get = %+v, want the second value", got)
	}
	if d, err := s.TTL(ctx(t), "a"); err != nil || d <= time.Minute {
		t.Fatalf("TTL = %v, %v; want the second ttl (~1h)", d, err)
	}
}

func testPutNew(t *testing.T, s *state.Store) {
	ok, err := s.PutNew(ctx(t), "a", item{Name: "first"}, time.Minute)
	if err != nil || !ok {
		t.Fatalf("first PutNew = %v, %v; want true", ok, err)
	}
	ok, err = s.PutNew(ctx(t), "a", item{Name: "second"}, time.Minute)
	if err != nil || ok {
		t.Fatalf("second PutNew = %v, %v; want false", ok, err)
	}
	if got := mustGet(t, s, "a"); got.Name != "first" {
		t.Fatalf("Get = %+v; PutNew overwrote an existing key", got)
	}
	if d, err := s.TTL(ctx(t), "a"); err != nil || d <= 0 || d > time.Minute {
		t.Fatalf("TTL = %v, %v; want (0, 1m]", d, err)
	}
}

func testTake(t *testing.T, s *state.Store) {
	mustPut(t, s, "code", item{Name: "auth"}, time.Minute)
	var got item
	if err := s.Take(ctx(t), "code", &got); err != nil || got.Name != "auth" {
		t.Fatalf("Take = %+v, %v", got, err)
	}
	if err := s.Take(ctx(t), "code", &got); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("second Take = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, "code")
}

func testDelete(t *testing.T, s *state.Store) {
	mustPut(t, s, "a", item{}, time.Minute)
	mustPut(t, s, "b", item{}, time.Minute)
	mustPut(t, s, "keep", item{}, time.Minute)
	if err := s.Delete(ctx(t), "a", "b", "never-existed"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, s, "a")
	wantNotFound(t, s, "b")
	mustGet(t, s, "keep")
	if err := s.Delete(ctx(t)); err != nil {
		t.Fatalf("Delete() with no key: %v", err)
	}
}

func testTTL(t *testing.T, s *state.Store) {
	mustPut(t, s, "a", item{}, 10*time.Minute)
	d, err := s.TTL(ctx(t), "a")
	if err != nil {
		t.Fatalf("TTL: %v", err)
	}
	if d <= 9*time.Minute || d > 10*time.Minute {
		t.Fatalf("TTL = %v, want just under 10m", d)
	}
}

// testExpiry checks that keys really disappear when their TTL runs out,
// in real time: the embedded server must follow the wall clock too.
func testExpiry(t *testing.T, s *state.Store) {
	mustPut(t, s, "put", item{}, shortTTL)
	if _, err := s.PutNew(ctx(t), "putnew", item{}, shortTTL); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incr(ctx(t), "counter", shortTTL); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "long", item{}, time.Minute)
	time.Sleep(expiryWait)
	wantNotFound(t, s, "put")
	wantNotFound(t, s, "putnew")
	if n, err := s.Incr(ctx(t), "counter", shortTTL); err != nil || n != 1 {
		t.Fatalf("Incr after expiry = %d, %v; want a fresh counter at 1", n, err)
	}
	mustGet(t, s, "long")
	// An expired key is free again for PutNew.
	if ok, err := s.PutNew(ctx(t), "putnew", item{}, time.Minute); err != nil || !ok {
		t.Fatalf("PutNew after expiry = %v, %v; want true", ok, err)
	}
}

// testSets: the index operations (a grant's tokens, a person's sessions):
// members added and removed one by one or several at once, an absent one
// removed without error, a missing set empty, the lifetime set on add.
func testSets(t *testing.T, s *state.Store) {
	c := ctx(t)
	if m, err := s.Members(c, "fam"); err != nil || len(m) != 0 {
		t.Fatalf("Members of a missing set = %v, %v", m, err)
	}
	for _, sig := range []string{"a", "b", "c", "a"} {
		if err := s.AddToSet(c, "fam", sig, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if ttl, err := s.TTL(c, "fam"); err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL of the set = %v, %v", ttl, err)
	}
	if err := s.RemoveFromSet(c, "fam", "b", "absent"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveFromSet(c, "fam"); err != nil {
		t.Fatalf("removing nothing: %v", err)
	}
	m, err := s.Members(c, "fam")
	sort.Strings(m)
	if err != nil || len(m) != 2 || m[0] != "a" || m[1] != "c" {
		t.Errorf("Members = %v, %v; want [a c]", m, err)
	}
}
