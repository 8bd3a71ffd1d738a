package students

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrUnavailable means the student source cannot answer now (down, slow,
// or its circuit open): never a mismatch, so the student is told to try
// again shortly and nothing counts against them.
var ErrUnavailable = errors.New("students: source unavailable")

// Breaker guards a Source: after Failures consecutive failures (errors
// other than ErrNotFound, timeouts included) it stops calling the source
// for Cooldown and answers ErrUnavailable at once, so that a dead
// database is not hammered by every student and every student hears at
// once that the check is down; then one call at a time probes it.
type Breaker struct {
	src      Source
	failures int
	cooldown time.Duration
	timeout  time.Duration
	now      func() time.Time
	// OnChange is told when the circuit opens (true) or closes (false),
	// for a metric and a log line.
	OnChange func(open bool)

	mu       sync.Mutex
	failed   int
	openTill time.Time
	probing  bool
}

// NewBreaker wraps src; failures ≤ 0 takes 5, cooldown ≤ 0 takes 30 s,
// timeout ≤ 0 takes 5 s (each lookup's own bound).
func NewBreaker(src Source, failures int, cooldown, timeout time.Duration) *Breaker {
	if failures <= 0 {
		failures = 5
	}
	if cooldown <= 0 {
		cooldown = 30 * time.Second
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return &Breaker{src: src, failures: failures, cooldown: cooldown, timeout: timeout, now: time.Now}
}

// Lookup calls the source unless the circuit is open.
func (b *Breaker) Lookup(ctx context.Context, studentID string) (Record, error) {
	b.mu.Lock()
	if b.now().Before(b.openTill) || b.probing && !b.openTill.IsZero() {
		b.mu.Unlock()
		return Record{}, fmt.Errorf("%w (circuit open)", ErrUnavailable)
	}
	probe := !b.openTill.IsZero()
	if probe {
		b.probing = true
	}
	b.mu.Unlock()

	lctx, cancel := context.WithTimeout(ctx, b.timeout)
	rec, err := b.src.Lookup(lctx, studentID)
	cancel()
	failed := err != nil && !errors.Is(err, ErrNotFound) && ctx.Err() == nil
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	switch {
	case failed:
		b.failed++
		if b.failed >= b.failures || probe {
			if b.openTill.IsZero() && b.OnChange != nil {
				b.OnChange(true)
			}
			b.openTill = b.now().Add(b.cooldown)
		}
		return Record{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case ctx.Err() == nil:
		if !b.openTill.IsZero() && b.OnChange != nil {
			b.OnChange(false)
		}
		b.failed, b.openTill = 0, time.Time{}
	}
	return rec, err
}
