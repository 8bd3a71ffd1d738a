package regulation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
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
	// turnRelook is how often a waiter looks again without being woken:
	// only for a holder that died (its hold lapses without a word) or a
	// wake-up lost to a reconnection. Waiters are woken when a turn is
	// given back, not by polling.
	turnRelook = 250 * time.Millisecond
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
//
// Those refused wait in line: KEYS[2] is a sorted set of the waiters
// scored by when they give up (ARGV[4] ms after they first asked: the
// regulator's wait, the same for all, so the order is that of arrival).
// A free slot goes to the waiters first, in that order: a holder takes
// one only when more slots are free than waiters are ahead of it. Without that, a request
// arriving just as a turn is given back took it before the woken waiters
// could, and under a steady stream one waiter could lose every time until
// it gave up ("limited"), though honest. A key's lifetime is only ever
// extended: a request with a shorter wait or hold must not cut short the
// others'. A take returns how many hold the key with it (itself
// included); refused, 0 when no slot is free, -1 when one is but
// waiters ahead take it first, and its place in line (its score).
var takeTurn = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local free = tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
local ahead = redis.call('ZCARD', KEYS[2])
if redis.call('ZSCORE', KEYS[2], ARGV[3]) then ahead = redis.call('ZRANK', KEYS[2], ARGV[3]) end
local function outlive(key, ms)
  if redis.call('PTTL', key) < tonumber(ms) then redis.call('PEXPIRE', key, ms) end
end
if free <= ahead then
  redis.call('ZADD', KEYS[2], 'NX', now + tonumber(ARGV[4]), ARGV[3])
  outlive(KEYS[2], ARGV[4])
  local line = redis.call('ZSCORE', KEYS[2], ARGV[3])
  if free > 0 then return {-1, line} end
  return {0, line}
end
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
outlive(KEYS[1], ARGV[2])
return {redis.call('ZCARD', KEYS[1]), '0'}`)

// giveTurn gives holder ARGV[1]'s slot of KEYS[1] back and, when someone
// waits for the key (KEYS[2]), publishes the key on channel ARGV[2]. One
// command per hold, as the ZREM it replaces: the wake-up costs a
// sign-in nothing when nobody waits.
var giveTurn = redis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('PUBLISH', ARGV[2], KEYS[1])
end
return 0`)

// turnKeys are a turn's sorted set of holders and its line of waiters,
// in one slot under Cluster (the hash tag), as the scripts that touch
// both need.
func (r *Regulator) turnKeys(h Hold) (set, waiters string) {
	k := r.hashKey(turnRule, h.Key)
	at := strings.LastIndexByte(k, ':') + 1
	set = k[:at] + "{" + k[at:] + "}"
	return set, set + ":waiters"
}

func (r *Regulator) turnChannel() string { return r.prefix + "turn:given" }

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
	release, _, err = r.Turns(ctx, holds...)
	return release, err
}

// Turns is Turn that also says, for each hold, how many requests held
// it once this one had taken it, itself included: a caller that learns
// only with the turn held how many slots it should have asked for can
// tell whether it came within them.
func (r *Regulator) Turns(ctx context.Context, holds ...Hold) (release func(), held []int, err error) {
	release, held, _, err = r.turns(ctx, holds, nil)
	return release, held, err
}

// TurnsChecked is Turns, then Checks of targets with the turns held. On
// one Redis server the checks go in the round trip that takes the turns,
// after the takes (a pipeline runs in order there); under Cluster, whose
// nodes run their parts of a pipeline each on its own, or when a turn
// had to be waited for, they go in one more. checkErr is Checks's error.
func (r *Regulator) TurnsChecked(ctx context.Context, targets []Target, holds ...Hold) (release func(), held []int, ds []Decision, checkErr, err error) {
	var (
		read    func() ([]Decision, error)
		also    func(redis.Pipeliner)
		readErr error
	)
	if _, cluster := r.rdb.(*redis.ClusterClient); !cluster && len(targets) > 0 {
		also = func(p redis.Pipeliner) { read, readErr = r.queueChecks(ctx, p, targets) }
	}
	release, held, along, err := r.turns(ctx, holds, also)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if along && read != nil && readErr == nil {
		ds, checkErr = read()
	} else {
		ds, checkErr = r.Checks(ctx, targets...)
	}
	return release, held, ds, checkErr, nil
}

// turns is Turns; also, if set, queues more commands after the takes of
// the first round trip, and along says whether every turn was taken in
// it (their answers, read once it is sent, came with the turns held).
func (r *Regulator) turns(ctx context.Context, holds []Hold, also func(redis.Pipeliner)) (release func(), held []int, along bool, err error) {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	holder := hex.EncodeToString(id)
	deadline := time.Now().Add(r.wait())
	var taken [][2]string
	release = func() { r.give(ctx, taken, holder) }
	keys := make([][2]string, len(holds))
	for i, h := range holds {
		keys[i][0], keys[i][1] = r.turnKeys(h)
	}
	// Every hold asked at once first: an uncontended request (nearly
	// every one) takes its turns in one round trip.
	held = r.takeAll(ctx, keys, holds, holder, also)
	taken = append(taken, keys[:len(held)]...)
	along = len(held) == len(holds)
	for i := len(held); i < len(holds); i++ {
		n, err := r.take(ctx, keys[i][0], keys[i][1], holder, max(holds[i].Slots, 1), deadline)
		if err != nil {
			release()
			return nil, nil, false, err
		}
		taken, held = append(taken, keys[i]), append(held, n)
	}
	return release, held, along, nil
}

// takeAll tries every hold in one pipeline and returns, for each of the
// first ones it took, how many held it then. Holds taken after one
// refused are given back at once: turns are taken in order, so that two
// requests never each hold what the other waits for.
func (r *Regulator) takeAll(ctx context.Context, keys [][2]string, holds []Hold, holder string, also func(redis.Pipeliner)) []int {
	// Sent whole even if ctx ends meanwhile: a take the server made but
	// the client did not hear of would hold its turn until the TTL.
	bg := context.WithoutCancel(ctx)
	p := r.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(holds))
	for i, h := range holds {
		cmds[i] = takeTurn.EvalSha(bg, p, keys[i][:], max(h.Slots, 1), r.ttl().Milliseconds(), holder, r.wait().Milliseconds())
	}
	if also != nil {
		also(p)
	}
	_, _ = p.Exec(bg) // each command's outcome is read below
	// Refused, or not run (a server without the script yet, a failure):
	// the one-by-one path takes it, or says why not.
	took := func(c *redis.Cmd) int { // how many hold it; 0: not taken
		t, err := turnReply(c)
		if err != nil {
			return 0
		}
		return max(t.held, 0)
	}
	var held []int // a request gone meanwhile keeps nothing
	for gone := ctx.Err() != nil; !gone && len(held) < len(cmds); {
		n := took(cmds[len(held)])
		if n == 0 {
			break
		}
		held = append(held, n)
	}
	first := len(held)
	// What comes after the first refused is given back, and its lines
	// left: this request waits for the first refused only.
	var late [][2]string
	for i := first; i < len(cmds); i++ {
		switch {
		case took(cmds[i]) > 0:
			late = append(late, keys[i])
		case i > first || ctx.Err() != nil:
			r.leave(ctx, keys[i][1], holder)
		}
	}
	r.give(ctx, late, holder)
	return held
}

// give gives holder's turns of keys back, in one round trip for them all
// (a pipeline, split by node under Cluster: each script's keys share a
// slot), even when ctx is cancelled.
func (r *Regulator) give(ctx context.Context, keys [][2]string, holder string) {
	if len(keys) == 0 {
		return
	}
	bg := context.WithoutCancel(ctx)
	p := r.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(keys))
	for i, k := range keys {
		cmds[i] = giveTurn.EvalSha(bg, p, k[:], holder, r.turnChannel())
	}
	_, _ = p.Exec(bg)
	for i, c := range cmds {
		// A server that has not seen the script yet (a new node, a
		// restart) is sent it in full.
		if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			giveTurn.Eval(bg, r.rdb, keys[i][:], holder, r.turnChannel())
		}
	}
}

// leave takes holder out of the line of waiters when it gives up, so
// that those behind it do not wait for it (a waiter that died leaves
// when its wait is over).
func (r *Regulator) leave(ctx context.Context, waiters, holder string) {
	_ = r.rdb.ZRem(context.WithoutCancel(ctx), waiters, holder).Err()
}

func (r *Regulator) ttl() time.Duration {
	if r.turnTTL > 0 {
		return r.turnTTL
	}
	return DefaultTurnTTL
}

func (r *Regulator) wait() time.Duration {
	if r.turnWait > 0 {
		return r.turnWait
	}
	return DefaultTurnWait
}

// take takes a slot of key, waiting until deadline: woken each time a
// holder of key gives its turn back, and looking again every turnRelook
// for a hold that lapsed. It returns how many held key once it had.
func (r *Regulator) take(ctx context.Context, key, waited, holder string, slots int, deadline time.Time) (int, error) {
	relook := r.turnRelook
	if relook <= 0 {
		relook = turnRelook
	}
	var woken <-chan struct{}
	var place linePlace // where this waiter stands in key's line
	told := false       // this look follows a wake
	for first := true; ; first = false {
		if !first && woken == nil {
			// Listening before looking again: a turn given back between
			// the look and the wait still wakes this one.
			var stop func()
			woken, stop = r.wake.listen(ctx, r.rdb, r.turnChannel(), key, place)
			defer stop()
		}
		// As in takeAll: the take is heard of even if ctx ends meanwhile.
		tr, err := turnReply(takeTurn.Run(context.WithoutCancel(ctx), r.rdb, []string{key, waited}, slots, r.ttl().Milliseconds(), holder, r.wait().Milliseconds()))
		got := tr.held
		switch {
		case err == nil && got >= 1 && ctx.Err() != nil:
			r.give(ctx, [][2]string{{key, waited}}, holder)
			return 0, ctx.Err()
		case ctx.Err() != nil:
			r.leave(ctx, waited, holder)
			return 0, ctx.Err()
		case err != nil:
			return 0, fmt.Errorf("regulation: turn: %w", err)
		case got >= 1:
			return got, nil
		case time.Now().After(deadline):
			r.leave(ctx, waited, holder)
			return 0, &LimitedError{Rule: turnRule, RetryAfter: r.wait()}
		}
		place = linePlace{tr.line, holder}
		if told && got < 0 {
			// Woken, but a waiter ahead (another replica's, or one
			// here not listening yet) is to take the free slot.
			r.wake.pass(key, woken)
		}
		if first {
			continue // now listening, look once more before waiting
		}
		t := time.NewTimer(min(relook, time.Until(deadline)+time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			r.leave(ctx, waited, holder)
			return 0, ctx.Err()
		case <-woken:
			told = true
		case <-t.C:
			told = false
		}
		t.Stop()
	}
}

// turn is takeTurn's reply: held, how many hold the key, when taken;
// refused, held is 0 (no slot free) or -1 (one is, for a waiter ahead)
// and line the waiter's score in line.
type turn struct {
	held int
	line float64
}

func turnReply(c *redis.Cmd) (turn, error) {
	held, line, err := intAndNumber(c)
	if err != nil {
		return turn{}, fmt.Errorf("regulation: turn: %w", err)
	}
	return turn{int(held), line}, nil
}
