// Package state keeps Seuil's short-lived state in Redis: flow state, SSO
// sessions, OIDC artefacts, counters. Every value has a TTL, values are
// JSON, and the client is a go-redis UniversalClient so a deployment picks
// a single server, Sentinel or Cluster. The demo runs the same code against
// an in-process server (Embedded).
package state

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// ErrNotFound means the key is absent or expired.
var ErrNotFound = errors.New("state: not found")

// ErrConflict means the value changed between read and write (Update).
var ErrConflict = errors.New("state: concurrent update")

// Store is a namespaced JSON key-value store with TTLs.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

// New returns a store whose keys all start with prefix (e.g. "seuil:").
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix}
}

// Client returns the underlying client, for components (the rate limiter)
// that speak Redis directly.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Key returns the full Redis key for a store key.
func (s *Store) Key(key string) string { return s.prefix + key }

// Put stores v as JSON under key for ttl.
func (s *Store) Put(ctx context.Context, key string, v any, ttl time.Duration) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("state: encode %s: %w", key, err)
	}
	if err := s.rdb.Set(ctx, s.Key(key), raw, ttl).Err(); err != nil {
		return fmt.Errorf("state: put: %w", err)
	}
	return nil
}

// PutNew stores v only if key is absent; it reports whether it did.
func (s *Store) PutNew(ctx context.Context, key string, v any, ttl time.Duration) (bool, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return false, fmt.Errorf("state: encode %s: %w", key, err)
	}
	ok, err := s.rdb.SetNX(ctx, s.Key(key), raw, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("state: put new: %w", err)
	}
	return ok, nil
}

// Get decodes the value under key into v, or returns ErrNotFound.
func (s *Store) Get(ctx context.Context, key string, v any) error {
	raw, err := s.rdb.Get(ctx, s.Key(key)).Bytes()
	return s.decode(key, raw, err, v)
}

// Take reads and deletes key in one step, so that a single-use value
// (an authorization code, a handover ticket) can be used once only.
func (s *Store) Take(ctx context.Context, key string, v any) error {
	raw, err := s.rdb.GetDel(ctx, s.Key(key)).Bytes()
	return s.decode(key, raw, err, v)
}

// Delete removes keys; absent keys are not an error.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.Key(k)
	}
	// One DEL per key: keys of one call may live in different Cluster slots.
	for _, k := range full {
		if err := s.rdb.Del(ctx, k).Err(); err != nil {
			return fmt.Errorf("state: delete: %w", err)
		}
	}
	return nil
}

// TTL returns the remaining lifetime of key, or ErrNotFound.
func (s *Store) TTL(ctx context.Context, key string) (time.Duration, error) {
	d, err := s.rdb.PTTL(ctx, s.Key(key)).Result()
	if err != nil {
		return 0, fmt.Errorf("state: ttl: %w", err)
	}
	if d < 0 {
		return 0, ErrNotFound
	}
	return d, nil
}

// Incr adds one to the counter under key and returns the new value; the
// first increment sets the counter's ttl (a fixed window).
func (s *Store) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	k := s.Key(key)
	pipe := s.rdb.TxPipeline()
	n := pipe.Incr(ctx, k)
	pipe.ExpireNX(ctx, k, ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("state: incr: %w", err)
	}
	return n.Val(), nil
}

// AddToSet adds member to the set under key and sets the set's lifetime
// to ttl (an index: a grant's tokens, a person's sessions), in one
// transaction.
func (s *Store) AddToSet(ctx context.Context, key, member string, ttl time.Duration) error {
	k := s.Key(key)
	p := s.rdb.TxPipeline()
	p.SAdd(ctx, k, member)
	p.Expire(ctx, k, ttl)
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("state: add to set: %w", err)
	}
	return nil
}

// Members returns the set under key (none: empty, not an error).
func (s *Store) Members(ctx context.Context, key string) ([]string, error) {
	m, err := s.rdb.SMembers(ctx, s.Key(key)).Result()
	if err != nil {
		return nil, fmt.Errorf("state: members: %w", err)
	}
	return m, nil
}

// RemoveFromSet removes members from the set under key; absent ones are
// not an error.
func (s *Store) RemoveFromSet(ctx context.Context, key string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	if err := s.rdb.SRem(ctx, s.Key(key), args...).Err(); err != nil {
		return fmt.Errorf("state: remove from set: %w", err)
	}
	return nil
}

// Update reads key into v, calls change, and writes v back with ttl, only
// if nobody wrote key in between (optimistic locking); otherwise it
// returns ErrConflict. change may return an error to abort without
// writing. ttl <= 0 keeps the key's remaining lifetime.
//
// Two round trips: the read, then a script that writes only if the value
// still hashes as it was read (WATCH took three, the watch, the read and
// the transaction, and held a connection of the pool throughout).
func (s *Store) Update(ctx context.Context, key string, v any, ttl time.Duration, change func() error) error {
	k := s.Key(key)
	raw, err := s.rdb.Get(ctx, k).Bytes()
	if err := s.decode(key, raw, err, v); err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("state: encode %s: %w", key, err)
	}
	sum := sha1.Sum(raw) //nolint:gosec // a fingerprint of a value read, compared by Redis's own sha1hex: not a secret
	set, err := casScript.Run(ctx, s.rdb, []string{k}, hex.EncodeToString(sum[:]), out, ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("state: update %s: %w", key, err)
	}
	if set != 1 {
		return ErrConflict
	}
	return nil
}

// casScript sets KEYS[1] to ARGV[2] if its value's SHA-1 is ARGV[1]
// (for ARGV[3] ms, or keeping its lifetime when ARGV[3] is not
// positive); 1 if it did, 0 if the value had changed or gone.
var casScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v or redis.sha1hex(v) ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
end
return 1
`)

func (s *Store) decode(key string, raw []byte, err error, v any) error {
	if errors.Is(err, redis.Nil) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("state: get: %w", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("state: decode %s: %w", key, err)
	}
	return nil
}

// Embedded starts an in-process Redis-compatible server (miniredis) for the
// demo, so that the demo runs the same code as production. Close the
// returned client and call stop when done.
//
// miniredis only ages TTLs when told to, and aging visits every key. Doing
// it on every command (its ClockTTL mode) made each command cost O(keys):
// under a load test the demo slowed down as tokens piled up. Instead a
// ticker ages TTLs by the wall-clock time elapsed, every 50 ms, or less
// often when a pass is slow, so that aging never takes more than about a
// tenth of a core; keys outlive their TTL by at most one tick.
func Embedded() (redis.UniversalClient, func(), error) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, nil, fmt.Errorf("state: embedded redis: %w", err)
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		const minTick = 50 * time.Millisecond
		last, wait := time.Now(), minTick
		t := time.NewTimer(wait)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			now := time.Now()
			m.FastForward(now.Sub(last))
			last = now
			wait = max(minTick, 10*time.Since(now))
			t.Reset(wait)
		}
	}()
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	return c, func() { close(done); <-stopped; _ = c.Close(); m.Close() }, nil
}
