package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Batch queues single-key operations to send them in one round trip (a
// pipeline; go-redis splits it by node under Cluster). It is not a
// transaction: each operation stands alone, as it would if sent by
// itself, so a batch may mix keys of any slot.
type Batch struct {
	s     *Store
	ctx   context.Context
	p     redis.Pipeliner
	err   error
	after []func() // outcomes to report once sent
}

// Batch runs fill, which queues operations on b, then sends them. It
// returns the first error, of encoding or of any operation.
func (s *Store) Batch(ctx context.Context, fill func(b *Batch)) error {
	b := &Batch{s: s, ctx: ctx, p: s.rdb.Pipeline()}
	fill(b)
	if b.err != nil {
		return b.err
	}
	if b.p.Len() == 0 {
		return nil
	}
	if _, err := b.p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("state: batch: %w", err)
	}
	for _, f := range b.after {
		f()
	}
	return nil
}

// Get queues Store.Get: once the batch is sent, v holds the value and
// then is told the outcome (ErrNotFound for a missing key). A read sent
// with writes sees the batch's earlier ones on a single node; under
// Cluster keys of other slots go apart, so do not rely on that.
func (b *Batch) Get(key string, v any, then func(error)) {
	cmd := b.p.Get(b.ctx, b.s.Key(key))
	b.after = append(b.after, func() {
		raw, err := cmd.Bytes()
		then(b.s.decode(key, raw, err, v))
	})
}

// Put queues Store.Put.
func (b *Batch) Put(key string, v any, ttl time.Duration) {
	raw, err := json.Marshal(v)
	if err != nil {
		b.err = errors.Join(b.err, fmt.Errorf("state: encode %s: %w", key, err))
		return
	}
	b.p.Set(b.ctx, b.s.Key(key), raw, ttl)
}

// AddToSet queues Store.AddToSet (the member added, then the lifetime
// set; the two stay on the set's one key).
func (b *Batch) AddToSet(key, member string, ttl time.Duration) {
	b.AddAllToSet(key, []string{member}, ttl)
}

// AddAllToSet is AddToSet for several members, in one command.
func (b *Batch) AddAllToSet(key string, members []string, ttl time.Duration) {
	if len(members) == 0 {
		return
	}
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	k := b.s.Key(key)
	b.p.SAdd(b.ctx, k, args...)
	b.p.Expire(b.ctx, k, ttl)
}

// Delete queues the deletion of keys, one command each.
func (b *Batch) Delete(keys ...string) {
	for _, k := range keys {
		b.p.Del(b.ctx, b.s.Key(k))
	}
}

// RemoveFromSet queues Store.RemoveFromSet.
func (b *Batch) RemoveFromSet(key string, members ...string) {
	if len(members) == 0 {
		return
	}
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	b.p.SRem(b.ctx, b.s.Key(key), args...)
}

// SwapPrefix queues Store.SwapPrefix; then, if not nil, is told its
// outcome once the batch is sent (ErrNotFound for a missing key).
func (b *Batch) SwapPrefix(key, from, to string, then func(Swap, error)) {
	// EVALSHA cannot fall back to EVAL inside a pipeline: send the
	// script itself (a few hundred bytes).
	cmd := swapScript.Eval(b.ctx, b.p, []string{b.s.Key(key)}, from, to)
	if then != nil {
		b.after = append(b.after, func() { then(swapResult(cmd.Int())) })
	}
}

func swapResult(n int, err error) (Swap, error) {
	switch {
	case err != nil:
		return 0, fmt.Errorf("state: swap prefix: %w", err)
	case n < 0:
		return 0, ErrNotFound
	}
	return Swap(n), nil
}

// Members queues Store.Members: once the batch is sent, then is given the
// set's members (none for a missing set).
func (b *Batch) Members(key string, then func([]string)) {
	cmd := b.p.SMembers(b.ctx, b.s.Key(key))
	b.after = append(b.after, func() { then(cmd.Val()) })
}

// MembersOf returns the members of several sets in one round trip, in
// the order of keys (a missing set: none).
func (s *Store) MembersOf(ctx context.Context, keys ...string) ([][]string, error) {
	out := make([][]string, len(keys))
	if err := s.Batch(ctx, func(b *Batch) {
		for i, k := range keys {
			b.Members(k, func(m []string) { out[i] = m })
		}
	}); err != nil {
		return nil, fmt.Errorf("state: members: %w", err)
	}
	return out, nil
}

// Swap is what SwapPrefix found.
type Swap int

const (
	// Swapped: the value started with from, and now starts with to.
	Swapped Swap = iota
	// Already: the value starts with to already; nothing was written.
	Already
	// Other: the value starts with neither; nothing was written.
	Other
)

// SwapPrefix replaces, atomically, the start from of the value under key
// by to, keeping the key's lifetime: a compare-and-set on a leading flag
// (a record's "active" state) in one round trip, where Update needs a
// read and a compare-and-set. A missing key is ErrNotFound.
func (s *Store) SwapPrefix(ctx context.Context, key, from, to string) (Swap, error) {
	return swapResult(swapScript.Run(ctx, s.rdb, []string{s.Key(key)}, from, to).Int())
}

// SwapPrefixGet is SwapPrefix that also decodes into v the value as it
// was before the swap (a record read and spent in one round trip). A
// missing key is ErrNotFound, and leaves v alone.
func (s *Store) SwapPrefixGet(ctx context.Context, key, from, to string, v any) (Swap, error) {
	res, err := swapGetScript.Run(ctx, s.rdb, []string{s.Key(key)}, from, to).Slice()
	if err != nil {
		return 0, fmt.Errorf("state: swap prefix: %w", err)
	}
	n, _ := res[0].(int64)
	if n < 0 {
		return 0, ErrNotFound
	}
	raw, ok := res[1].(string)
	if len(res) != 2 || !ok {
		return 0, fmt.Errorf("state: swap prefix: unexpected reply %v", res)
	}
	return Swap(n), s.decode(key, []byte(raw), nil, v)
}

// swapGetScript is swapScript returning the value read with the outcome.
var swapGetScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return {-1} end
if string.sub(v, 1, #ARGV[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2] .. string.sub(v, #ARGV[1] + 1), 'KEEPTTL')
  return {0, v}
end
if string.sub(v, 1, #ARGV[2]) == ARGV[2] then return {1, v} end
return {2, v}
`)

// swapScript reads one key and writes it back: one key, one slot.
var swapScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return -1 end
if string.sub(v, 1, #ARGV[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2] .. string.sub(v, #ARGV[1] + 1), 'KEEPTTL')
  return 0
end
if string.sub(v, 1, #ARGV[2]) == ARGV[2] then return 1 end
return 2
`)
