package regulation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limits are checked before the costly step and a failure counted after
// it, so requests arriving together would all pass the check before any
// was counted: a burst of parallel guesses got through whatever the
// limits. Turn closes that gap: the caller holds its turn from the check
// to the count, and only Slots requests per key are in that window at a
// time, so a limit may be passed by at most Slots-1 events.
const (
	// DefaultTurnTTL frees the turn of a holder that died: it outlives a
	// slow directory or student source (10 s timeouts).
	DefaultTurnTTL = 15 * time.Second
	// DefaultTurnWait is how long a request waits for its turn (a
	// double-clicked submit waits; a burst is refused).
	DefaultTurnWait = 3 * time.Second
	turnPoll        = 20 * time.Millisecond
	// turnRule names turns in keys and in a LimitedError.
	turnRule Rule = "turn"
)

// Hold is one turn to take: Key names what takes turns (qualify it, e.g.
// "login:account:"+login, so that uses do not share turns by accident; it
// is stored only hashed) and Slots how many requests may hold it at once
// (1: exclusive).
type Hold struct {
	Key   string
	Slots int
}

// takeTurn takes one of ARGV[1] slots of KEYS[1] for holder ARGV[3], for
// ARGV[2] ms. Each holder is a member of a sorted set scored by when its
// hold lapses, so a holder that died frees its slot after the TTL however
// busy the key is (a plain counter's TTL would be renewed by the others).
var takeTurn = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`)

// WithTurnTimes returns a copy of r whose turns last at most ttl and are
// waited for at most wait (tests shorten them; 0 keeps the default).
func (r *Regulator) WithTurnTimes(ttl, wait time.Duration) *Regulator {
	c := *r
	if ttl > 0 {
		c.turnTTL = ttl
	}
	if wait > 0 {
		c.turnWait = wait
	}
	return &c
}

// Turn waits until every hold is taken, in order, and returns release,
// which gives them back (call it once the failure, if any, is counted).
// When they do not all come within the wait it returns a *LimitedError
// and holds nothing; a cancelled ctx returns ctx's error.
func (r *Regulator) Turn(ctx context.Context, holds ...Hold) (release func(), err error) {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	holder := hex.EncodeToString(id)
	deadline := time.Now().Add(r.wait())
	var taken []string
	release = func() {
		// One round trip for every hold (a pipeline, split by node
		// under Cluster: each command has its one key).
		bg := context.WithoutCancel(ctx)
		p := r.rdb.Pipeline()
		for _, k := range taken {
			p.ZRem(bg, k, holder)
		}
		if len(taken) > 0 {
			_, _ = p.Exec(bg)
		}
	}
	for _, h := range holds {
		key := r.hashKey(turnRule, h.Key)
		if err := r.take(ctx, key, holder, max(h.Slots, 1), deadline); err != nil {
			release()
			return nil, err
		}
		taken = append(taken, key)
	}
	return release, nil
}

func (r *Regulator) wait() time.Duration {
	if r.turnWait > 0 {
		return r.turnWait
	}
	return DefaultTurnWait
}

// take polls for a slot of key until deadline.
func (r *Regulator) take(ctx context.Context, key, holder string, slots int, deadline time.Time) error {
	ttl := r.turnTTL
	if ttl <= 0 {
		ttl = DefaultTurnTTL
	}
	for {
		got, err := takeTurn.Run(ctx, r.rdb, []string{key}, slots, ttl.Milliseconds(), holder).Int()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			return fmt.Errorf("regulation: turn: %w", err)
		case got == 1:
			return nil
		case time.Now().After(deadline):
			return &LimitedError{Rule: turnRule, RetryAfter: r.wait()}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(turnPoll):
		}
	}
}
