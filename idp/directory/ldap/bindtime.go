package ldapdir

import (
	"context"
	"crypto/rand"
	"math/big"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// bindTimes makes a sign-in with an unknown login last as long as one
// with a known login and a wrong password. slapd hashes the password
// only when the entry exists (argon2: milliseconds), so without this the
// answer's timing tells which logins exist (issue 10, point 3).
//
// It keeps the durations of the last binds to existing entries and, for
// an unknown login, waits as long as one of them drawn at random: the two paths then follow one distribution,
// whatever the directory's hash and load, and the wait is a sleep, not
// CPU that a flood of unknown logins could exhaust. Until enough binds
// were seen (just after start), a local argon2 hash with OpenLDAP's
// default cost stands in.
type bindTimes struct {
	mu   sync.Mutex
	ring [32]time.Duration
	n    int // samples written so far
	// late is a running mean of how much later than asked a wait ends
	// (the scheduler's wake-up latency, a millisecond on a busy host),
	// taken off the next waits so that padded answers are not slower.
	late time.Duration
}

// minSamples is how many binds are seen before the wait is drawn from them.
const minSamples = 8

func (b *bindTimes) add(d time.Duration) {
	b.mu.Lock()
	b.ring[b.n%len(b.ring)] = d
	b.n++
	b.mu.Unlock()
}

// draw returns one of the recent durations, at random.
func (b *bindTimes) draw() (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(b.n, len(b.ring))
	if n < minSamples {
		return 0, false
	}
	i, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, false
	}
	return b.ring[i.Int64()], true
}

// pad makes the sign-in of an unknown login, begun at start (after the
// search that found no entry), last as long as a bind would have.
func (b *bindTimes) pad(ctx context.Context, start time.Time, password string) {
	want, ok := b.draw()
	if !ok {
		// OpenLDAP's pw-argon2 defaults: 3 passes, 4 MiB, 1 lane.
		salt := make([]byte, 16)
		_, _ = rand.Read(salt)
		_ = argon2.IDKey([]byte(password), salt, 3, 4096, 1, 32)
		return
	}
	b.mu.Lock()
	late := b.late
	b.mu.Unlock()
	wait := want - time.Since(start) - late
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return
	}
	over := time.Since(start) - (want - late)
	b.mu.Lock()
	b.late += (over - b.late) / 8
	b.mu.Unlock()
}
