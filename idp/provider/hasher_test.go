package provider

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// countingHasher is a cachingHasher whose comparisons are counted and
// held until release is closed (nil: not held).
func countingHasher(release <-chan struct{}) (*cachingHasher, *atomic.Int32) {
	h, n := newCachingHasher(), new(atomic.Int32)
	h.compare = func(hash, data []byte) error {
		n.Add(1)
		if release != nil {
			<-release
		}
		return bcrypt.CompareHashAndPassword(hash, data)
	}
	return h, n
}

func secretHash(t *testing.T, secret string) []byte {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

// A rush of exchanges on a replica that has just started costs one
// bcrypt comparison, not one per request.
func TestHasherComparesOnceForARush(t *testing.T) {
	hash := secretHash(t, "the-client-secret")
	release := make(chan struct{})
	h, n := countingHasher(release)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() { errs <- h.Compare(context.Background(), hash, []byte("the-client-secret")) })
	}
	for n.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the others arrive behind the first
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d comparisons for 32 requests at once, want 1", got)
	}
	if err := h.Compare(context.Background(), hash, []byte("the-client-secret")); err != nil || n.Load() != 1 {
		t.Errorf("a known secret: %v, %d comparisons", err, n.Load())
	}
}

// A wrong secret is compared every time, and never remembered.
func TestHasherRefusesWrongSecret(t *testing.T) {
	hash := secretHash(t, "the-client-secret")
	h, n := countingHasher(nil)
	for range 2 {
		if err := h.Compare(context.Background(), hash, []byte("a-wrong-secret")); !errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			t.Fatalf("wrong secret: %v", err)
		}
	}
	if n.Load() != 2 || len(h.ok) != 0 {
		t.Errorf("%d comparisons, %d remembered; want 2 and 0", n.Load(), len(h.ok))
	}
}

// A known pair past half its memory passes at once and is renewed
// apart; one forgotten waits for its comparison.
func TestHasherRenewsBeforeForgetting(t *testing.T) {
	hash, secret := secretHash(t, "the-client-secret"), []byte("the-client-secret")
	for _, tc := range []struct {
		name string
		age  time.Duration
		wait bool // the request waits for the comparison
		runs int32
	}{
		{"fresh", time.Minute, false, 0},
		{"aging", hasherMemory/2 + time.Minute, false, 1},
		{"forgotten", hasherMemory + time.Minute, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			h, n := countingHasher(release)
			k := h.digest(hash, secret)
			h.ok[k] = time.Now().Add(-tc.age)
			done := make(chan error, 1)
			go func() { done <- h.Compare(context.Background(), hash, secret) }()
			select {
			case err := <-done:
				if tc.wait || err != nil {
					t.Fatalf("answered without the comparison: %v", err)
				}
			case <-time.After(200 * time.Millisecond):
				if !tc.wait {
					t.Fatal("a known secret waited for its comparison")
				}
			}
			close(release)
			if tc.wait {
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for n.Load() < tc.runs || tc.runs > 0 && h.age(k) > time.Minute {
				if time.Now().After(deadline) {
					t.Fatalf("%d comparisons, the pair %v old; want %d and renewed", n.Load(), h.age(k), tc.runs)
				}
				time.Sleep(time.Millisecond)
			}
			if got := n.Load(); got != tc.runs {
				t.Errorf("%d comparisons, want %d", got, tc.runs)
			}
		})
	}
}

// age is how long ago k was verified.
func (h *cachingHasher) age(k [32]byte) time.Duration {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return time.Since(h.ok[k])
}

// A secret configured in the clear is compared by its SHA-256, at once,
// without bcrypt.
func TestHasherPlainSecret(t *testing.T) {
	c, err := newClients([]ClientConfig{{ID: "rp", Secret: "the-client-secret-0123456789"}})
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := c.get("rp")
	h, n := countingHasher(nil)
	for _, tc := range []struct {
		secret string
		ok     bool
	}{
		{"the-client-secret-0123456789", true},
		{"the-client-secret-012345678", false},
		{"", false},
	} {
		if err := h.Compare(context.Background(), cl.GetHashedSecret(), []byte(tc.secret)); (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok %v", tc.secret, err, tc.ok)
		}
	}
	if n.Load() != 0 || len(h.ok) != 0 {
		t.Errorf("%d bcrypt comparisons, %d remembered; want none", n.Load(), len(h.ok))
	}
}
