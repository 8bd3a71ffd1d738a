// Package regulation holds every rate limit and lockout of Seuil in one
// place, as Authelia's internal/regulation does: flow steps and the login
// page ask it before acting and tell it what happened, and no other package
// keeps counters of its own.
//
// Limits are token buckets computed in Redis by redis_rate (GCRA), so all
// replicas share them. What a rule counts (IP address, phone, student
// number) is stored only as an HMAC under the server secret.
//
// The pattern a step follows: CheckAll before the costly or sensitive work
// (refuse early with the LimitedError's RetryAfter), then HitAll for what
// happened: a mismatch, a wrong code, a wrong password, or a code sent.
//
//	who := []regulation.Target{
//		{Rule: regulation.IdentifyPerIP, Key: regulation.IPKey(ip)},
//		{Rule: regulation.IdentifyPerStudent, Key: studentNumber},
//	}
//	if err := reg.CheckAll(ctx, who...); err != nil { return err }
//	if mismatch { _ = reg.HitAll(ctx, who...); return ErrMismatch }
//
// Requests arriving together would all pass CheckAll before any HitAll;
// Turn makes them take turns from the check to the count (see turn.go).
package regulation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// ErrLimited is what a limited request's error wraps; see LimitedError.
var ErrLimited = errors.New("regulation: too many attempts")

// LimitedError says that rule refuses for now, and when to try again. It is
// a user-facing error: show "too many attempts, try again in N minutes".
type LimitedError struct {
	Rule       Rule
	RetryAfter time.Duration
}

func (e *LimitedError) Error() string {
	return fmt.Sprintf("regulation: too many attempts (%s), retry in %s", e.Rule, e.RetryAfter.Round(time.Second))
}

// Unwrap lets errors.Is(err, ErrLimited) match.
func (e *LimitedError) Unwrap() error { return ErrLimited }

// Decision is the state of one rule for one key.
type Decision struct {
	// Allowed is whether one more event is allowed now.
	Allowed bool
	// RetryAfter is how long until one more event is allowed; 0 if Allowed.
	RetryAfter time.Duration
	// Remaining is how many more events are allowed now.
	Remaining int
}

// Regulator applies Rules over a Redis client.
type Regulator struct {
	limiter *redis_rate.Limiter
	rdb     redis.UniversalClient
	prefix  string
	// turnTTL and turnWait bound Turn; 0: the defaults. turnRelook is
	// how often a waiter looks again unwoken (0: turnRelook).
	turnTTL, turnWait, turnRelook time.Duration
	wake                          *wakeups // shared by WithTurnTimes' copies
	rules                         Rules
	secret                        []byte
	observe                       func(rule Rule, op string, allowed bool)
}

// Observe has fn told of every decision: the rule, "check" or "hit",
// and whether the event was allowed (for metrics; fn must be quick).
func (r *Regulator) Observe(fn func(rule Rule, op string, allowed bool)) { r.observe = fn }

func (r *Regulator) decided(rule Rule, op string, d Decision) {
	if r.observe != nil {
		r.observe(rule, op, d.Allowed)
	}
}

// minSecret is the shortest secret accepted: 128 bits.
const minSecret = 16

// New returns a Regulator for rules (completed with Defaults) whose keys
// start with prefix (redis_rate adds "rate:" in front). secret keys the
// hashes of what is counted; every replica must share it, and changing it
// resets every counter.
func New(rdb redis.UniversalClient, prefix string, rules Rules, secret []byte) (*Regulator, error) {
	rules = rules.WithDefaults()
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	if len(secret) < minSecret {
		return nil, fmt.Errorf("regulation: secret must be at least %d bytes", minSecret)
	}
	return &Regulator{
		limiter: redis_rate.NewLimiter(rdb),
		rdb:     rdb,
		prefix:  prefix,
		rules:   rules,
		secret:  append([]byte(nil), secret...),
		wake:    &wakeups{},
	}, nil
}

// Close ends the subscription that wakes the turns' waiters, if a wait
// opened it.
func (r *Regulator) Close() error { return r.wake.close() }

// Limit returns the limit in force for rule.
func (r *Regulator) Limit(rule Rule) (Limit, bool) {
	l, ok := r.rules[rule]
	return l, ok
}

// Check tells whether rule allows one more event for key, consuming
// nothing. When it does not, it also returns a *LimitedError.
func (r *Regulator) Check(ctx context.Context, rule Rule, key string) (Decision, error) {
	ds, err := r.Checks(ctx, Target{Rule: rule, Key: key})
	if len(ds) == 0 {
		return Decision{}, err
	}
	return ds[0], err
}

// peek reads a bucket as redis_rate's GCRA script (allow_n) does with a
// cost of 0, in the same units (seconds since 2017 by the server's clock,
// the theoretical arrival time stored in the key), but writes nothing:
// allow_n rewrites the key with its own value. One key per script, so
// that a pipeline carries several checks in one round trip, split by
// node under Cluster. TestPeekAsRedisRate holds its answers to
// redis_rate's. It returns the events allowed now (Redis truncates the
// number, as it does allow_n's) and the seconds until the bucket is
// empty, as text.
var peek = redis.NewScript(`
local ei = tonumber(ARGV[3]) / tonumber(ARGV[2])
local t = redis.call('TIME')
local now = (t[1] - 1483228800) + (t[2] / 1000000)
local tat = tonumber(redis.call('GET', KEYS[1])) or now
tat = math.max(tat, now)
local remaining = (now - (tat - ei * tonumber(ARGV[1]))) / ei
if remaining < 0 then remaining = 0 end
return {remaining, tostring(tat - now)}`)

// Checks checks every target in one round trip, consuming nothing, and
// returns each one's Decision. Its error is CheckAll's: the
// *LimitedError with the longest wait when any refuses.
func (r *Regulator) Checks(ctx context.Context, targets ...Target) ([]Decision, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	p := r.rdb.Pipeline()
	read, err := r.queueChecks(ctx, p, targets)
	if err != nil {
		return nil, err
	}
	_, _ = p.Exec(ctx) // each command's outcome is read below
	return read()
}

// queueChecks queues in p the checks of targets, and returns what reads
// their Decisions once p is sent (Checks's answer).
func (r *Regulator) queueChecks(ctx context.Context, p redis.Pipeliner, targets []Target) (func() ([]Decision, error), error) {
	limits := make([]Limit, len(targets))
	keys := make([][]string, len(targets))
	for i, t := range targets {
		l, _, err := r.limit(t.Rule)
		if err != nil {
			return nil, err
		}
		// redis_rate's prefix, so that Hit counts in the bucket read here.
		limits[i], keys[i] = l, []string{"rate:" + r.hashKey(t.Rule, t.Key)}
	}
	args := func(l Limit) []any { return []any{l.Burst, l.Rate, l.Per.Seconds()} }
	cmds := make([]*redis.Cmd, len(targets))
	for i := range targets {
		cmds[i] = peek.EvalSha(ctx, p, keys[i], args(limits[i])...)
	}
	return func() ([]Decision, error) {
		ds := make([]Decision, len(targets))
		var worst *LimitedError
		for i, t := range targets {
			c := cmds[i]
			if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				// A server that has not seen the script yet is sent it.
				c = peek.Run(ctx, r.rdb, keys[i], args(limits[i])...)
			}
			d, err := peeked(c, limits[i])
			if err != nil {
				return nil, fmt.Errorf("regulation: check %s: %w", t.Rule, err)
			}
			r.decided(t.Rule, "check", d)
			ds[i] = d
			if !d.Allowed {
				worst = longer(worst, &LimitedError{Rule: t.Rule, RetryAfter: d.RetryAfter})
			}
		}
		if worst != nil {
			return ds, worst
		}
		return ds, nil
	}, nil
}

// peeked is the Decision peek's reply c says under l.
func peeked(c *redis.Cmd, l Limit) (Decision, error) {
	remaining, empty, err := intAndNumber(c)
	if err != nil {
		return Decision{}, err
	}
	d := Decision{Allowed: remaining >= 1, Remaining: int(remaining)}
	if !d.Allowed {
		// The bucket is full until it empties; one token frees up
		// (Burst-1) intervals before that.
		resetAfter := time.Duration(empty * float64(time.Second))
		d.RetryAfter = max(resetAfter-time.Duration(l.Burst-1)*l.interval(), time.Millisecond)
	}
	return d, nil
}

// intAndNumber reads the reply of the scripts here that answer {an
// integer, a number as text} (Lua's numbers reach Redis's replies as
// integers, truncated, unless sent as text).
func intAndNumber(c *redis.Cmd) (int64, float64, error) {
	vals, err := c.Slice()
	if err != nil {
		return 0, 0, err
	}
	if len(vals) != 2 {
		return 0, 0, fmt.Errorf("unexpected reply %v", vals)
	}
	n, ok := vals[0].(int64)
	text, ok2 := vals[1].(string)
	if !ok || !ok2 {
		return 0, 0, fmt.Errorf("unexpected reply %v", vals)
	}
	f, err := strconv.ParseFloat(text, 64)
	return n, f, err
}

// Hit counts one event (a failure, a code sent) for key under rule if the
// rule allows it. When it does not, nothing is counted and Hit returns a
// *LimitedError with the Decision.
func (r *Regulator) Hit(ctx context.Context, rule Rule, key string) (Decision, error) {
	_, rl, err := r.limit(rule)
	if err != nil {
		return Decision{}, err
	}
	res, err := r.limiter.Allow(ctx, r.hashKey(rule, key), rl)
	if err != nil {
		return Decision{}, fmt.Errorf("regulation: hit %s: %w", rule, err)
	}
	d := Decision{Allowed: res.Allowed > 0, Remaining: res.Remaining}
	if !d.Allowed {
		d.RetryAfter = max(res.RetryAfter, time.Millisecond)
	}
	r.decided(rule, "hit", d)
	return d, d.err(rule)
}

// Reset forgets what rule counted for key, e.g. an account's failed logins
// once the student proved who they are.
func (r *Regulator) Reset(ctx context.Context, rule Rule, key string) error {
	if _, _, err := r.limit(rule); err != nil {
		return err
	}
	if err := r.limiter.Reset(ctx, r.hashKey(rule, key)); err != nil {
		return fmt.Errorf("regulation: reset %s: %w", rule, err)
	}
	return nil
}

func (r *Regulator) limit(rule Rule) (Limit, redis_rate.Limit, error) {
	l, ok := r.rules[rule]
	if !ok {
		return Limit{}, redis_rate.Limit{}, fmt.Errorf("regulation: unknown rule %q", rule)
	}
	return l, redis_rate.Limit{Rate: l.Rate, Period: l.Per, Burst: l.Burst}, nil
}

func (d Decision) err(rule Rule) error {
	if d.Allowed {
		return nil
	}
	return &LimitedError{Rule: rule, RetryAfter: d.RetryAfter}
}
