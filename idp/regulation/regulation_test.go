package regulation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

var secret = []byte("0123456789abcdef-test-secret")

// backends are the Redis servers regulation must work on: a real
// redis-server and the demo's embedded one (miniredis runs redis_rate's Lua
// script with gopher-lua).
var backends = []struct {
	name string
	new  func(t *testing.T) redis.UniversalClient
}{
	{"redis-server", func(t *testing.T) redis.UniversalClient { return redistest.Client(t) }},
	{"cluster", func(t *testing.T) redis.UniversalClient { return redistest.ClusterClient(t) }},
	{"embedded", func(t *testing.T) redis.UniversalClient {
		c, stop, err := state.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		return c
	}},
}

func forEachBackend(t *testing.T, fn func(t *testing.T, rdb redis.UniversalClient)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.new(t))
		})
	}
}

func newRegulator(t *testing.T, rdb redis.UniversalClient, rules regulation.Rules) *regulation.Regulator {
	t.Helper()
	r, err := regulation.New(rdb, "seuil:"+t.Name()+":", rules, secret)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

func TestLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		limit regulation.Limit
	}{
		{"burst equals rate", regulation.Limit{Rate: 3, Per: time.Hour, Burst: 3}},
		{"burst below rate", regulation.Limit{Rate: 10, Per: time.Hour, Burst: 2}},
		{"daily", regulation.Limit{Rate: 10, Per: 24 * time.Hour, Burst: 5}},
		{"single", regulation.Limit{Rate: 1, Per: time.Minute, Burst: 1}},
	}
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rule := regulation.CodeSendPerPhone
				r := newRegulator(t, rdb, regulation.Rules{rule: tc.limit})
				checkLimit(t, r, rule, tc.limit)
			})
		}
	})
}

// checkLimit asserts Burst hits are allowed, the next is refused with a
// RetryAfter of about one interval, Check consumes nothing, and another key
// is unaffected.
func checkLimit(t *testing.T, r *regulation.Regulator, rule regulation.Rule, l regulation.Limit) {
	t.Helper()
	ctx := t.Context()
	key := "+33612345678"
	for i := range l.Burst {
		for range 2 { // Check twice: it must not consume.
			d, err := r.Check(ctx, rule, key)
			if err != nil || !d.Allowed || d.Remaining != l.Burst-i {
				t.Fatalf("Check before hit %d = %+v, %v; want allowed, %d remaining", i+1, d, err, l.Burst-i)
			}
		}
		d, err := r.Hit(ctx, rule, key)
		if err != nil || !d.Allowed || d.RetryAfter != 0 {
			t.Fatalf("Hit %d = %+v, %v; want allowed", i+1, d, err)
		}
	}
	interval := l.Per / time.Duration(l.Rate)
	for _, op := range []struct {
		name string
		fn   func() (regulation.Decision, error)
	}{
		{"Check", func() (regulation.Decision, error) { return r.Check(ctx, rule, key) }},
		{"Hit", func() (regulation.Decision, error) { return r.Hit(ctx, rule, key) }},
		{"Hit again", func() (regulation.Decision, error) { return r.Hit(ctx, rule, key) }},
	} {
		d, err := op.fn()
		if d.Allowed || d.Remaining != 0 {
			t.Fatalf("%s after %d hits = %+v; want refused", op.name, l.Burst, d)
		}
		if d.RetryAfter <= interval-time.Second || d.RetryAfter > interval {
			t.Errorf("%s RetryAfter = %v, want about %v", op.name, d.RetryAfter, interval)
		}
		var lim *regulation.LimitedError
		if !errors.Is(err, regulation.ErrLimited) || !errors.As(err, &lim) || lim.Rule != rule || lim.RetryAfter != d.RetryAfter {
			t.Fatalf("%s error = %#v; want *LimitedError for %s wrapping ErrLimited", op.name, err, rule)
		}
	}
	if d, err := r.Hit(ctx, rule, "+33699999999"); err != nil || !d.Allowed {
		t.Fatalf("Hit on another key = %+v, %v; keys must be independent", d, err)
	}
	if d, err := r.Hit(ctx, regulation.CodeSendPerStudent, key); err != nil || !d.Allowed {
		t.Fatalf("same key under another rule = %+v, %v; rules must be independent", d, err)
	}
}

// TestRefill checks that tokens come back with time, following the
// server's clock (TIME in the Lua script) on both backends.
func TestRefill(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		rule := regulation.LoginPerAccount
		r := newRegulator(t, rdb, regulation.Rules{rule: {Rate: 20, Per: time.Second, Burst: 1}})
		ctx := t.Context()
		if _, err := r.Hit(ctx, rule, "22012345T"); err != nil {
			t.Fatal(err)
		}
		d, err := r.Hit(ctx, rule, "22012345T")
		if d.Allowed || !errors.Is(err, regulation.ErrLimited) {
			t.Fatalf("second hit = %+v, %v; want refused", d, err)
		}
		time.Sleep(d.RetryAfter + 10*time.Millisecond)
		if d, err := r.Hit(ctx, rule, "22012345T"); err != nil || !d.Allowed {
			t.Fatalf("hit after RetryAfter = %+v, %v; want allowed", d, err)
		}
	})
}

// Check reads a bucket in one script of its own so that a sign-in's
// checks share a round trip: it must answer as redis_rate's script did
// with a cost of 0, from an empty bucket to a full one.
func TestPeekAsRedisRate(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		rule := regulation.LoginPerAccountIP
		lim := regulation.Limit{Rate: 10, Per: time.Hour, Burst: 5}
		r := newRegulator(t, rdb, regulation.Rules{rule: lim})
		rr := redis_rate.NewLimiter(rdb)
		ctx := t.Context()
		for hits := range 7 {
			d, err := r.Check(ctx, rule, "22012345T")
			want, werr := rr.AllowN(ctx, regulation.RateKey(r, rule, "22012345T"), redis_rate.Limit{Rate: lim.Rate, Period: lim.Per, Burst: lim.Burst}, 0)
			if werr != nil {
				t.Fatal(werr)
			}
			if d.Remaining != want.Remaining || d.Allowed != (want.Remaining >= 1) || (err == nil) != d.Allowed {
				t.Errorf("after %d hits: Check = %+v, %v; redis_rate says %d remaining", hits, d, err, want.Remaining)
			}
			// Refused, one event is allowed (Burst-1) intervals before the
			// bucket is empty again.
			if wantRetry := want.ResetAfter - 4*6*time.Minute; !d.Allowed && (d.RetryAfter-wantRetry).Abs() > time.Second {
				t.Errorf("after %d hits: retry after %v, want %v", hits, d.RetryAfter, wantRetry)
			}
			_, _ = r.Hit(ctx, rule, "22012345T")
		}
	})
}

func TestReset(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		rule := regulation.LoginPerAccount
		r := newRegulator(t, rdb, regulation.Rules{rule: {Rate: 1, Per: time.Hour, Burst: 1}})
		ctx := t.Context()
		_, _ = r.Hit(ctx, rule, "a")
		if _, err := r.Check(ctx, rule, "a"); !errors.Is(err, regulation.ErrLimited) {
			t.Fatalf("Check after burst = %v, want limited", err)
		}
		if err := r.Reset(ctx, rule, "a"); err != nil {
			t.Fatal(err)
		}
		if d, err := r.Check(ctx, rule, "a"); err != nil || !d.Allowed {
			t.Fatalf("Check after Reset = %+v, %v; want allowed", d, err)
		}
	})
}

// TestKeysHashed checks that Redis never holds a phone number, student
// number or address in clear.
func TestKeysHashed(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		r := newRegulator(t, rdb, nil)
		ctx := t.Context()
		clear := []string{"+33612345678", "22012345", "192.0.2.7"}
		for _, rule := range regulation.AllRules {
			for _, k := range clear {
				if _, err := r.Hit(ctx, rule, k); err != nil {
					t.Fatal(err)
				}
			}
		}
		keys, err := allKeys(ctx, rdb)
		if err != nil {
			t.Fatal(err)
		}
		if want := len(regulation.AllRules) * len(clear); len(keys) != want {
			t.Fatalf("%d keys in Redis, want %d (one per rule and key)", len(keys), want)
		}
		for _, k := range keys {
			for _, c := range clear {
				if strings.Contains(k, c) || strings.Contains(k, strings.TrimPrefix(c, "+33")) {
					t.Fatalf("Redis key %q holds %q in clear", k, c)
				}
			}
			v, _ := rdb.Get(ctx, k).Result()
			for _, c := range clear {
				if strings.Contains(v, c) {
					t.Fatalf("Redis value %q holds %q in clear", v, c)
				}
			}
		}
	})
}

func TestUnknownRule(t *testing.T) {
	t.Parallel()
	r := newRegulator(t, redistest.Client(t), nil)
	for name, fn := range map[string]func() error{
		"Check": func() error { _, err := r.Check(t.Context(), "nope", "k"); return err },
		"Hit":   func() error { _, err := r.Hit(t.Context(), "nope", "k"); return err },
		"Reset": func() error { return r.Reset(t.Context(), "nope", "k") },
	} {
		if err := fn(); err == nil || errors.Is(err, regulation.ErrLimited) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("%s(unknown rule) = %v; want an error naming the rule", name, err)
		}
	}
}

func ExampleRegulator_Hit() {
	rdb, stop, _ := state.Embedded()
	defer stop()
	r, _ := regulation.New(rdb, "seuil:", regulation.Rules{
		regulation.LoginPerAccount: {Rate: 2, Per: time.Hour},
	}, secret)
	for range 3 {
		_, err := r.Hit(context.Background(), regulation.LoginPerAccount, "22012345T")
		fmt.Println(err)
	}
	// Output:
	// <nil>
	// <nil>
	// regulation: too many attempts (login_per_account), retry in 30m0s
}

// The observer hears every decision, its rule, operation and outcome:
// what the metrics count.
func TestObserve(t *testing.T) {
	t.Parallel()
	rule := regulation.CodeSendPerPhone
	r := newRegulator(t, redistest.Client(t), regulation.Rules{rule: {Rate: 1, Per: time.Hour, Burst: 1}})
	var heard []string
	r.Observe(func(rl regulation.Rule, op string, allowed bool) {
		heard = append(heard, fmt.Sprintf("%s %s %t", rl, op, allowed))
	})
	ctx := context.Background()
	_, _ = r.Check(ctx, rule, "+33600000000")
	_, _ = r.Hit(ctx, rule, "+33600000000")
	_, _ = r.Hit(ctx, rule, "+33600000000")
	_, _ = r.Check(ctx, rule, "+33600000000")
	want := "code_send_per_phone check true,code_send_per_phone hit true,code_send_per_phone hit false,code_send_per_phone check false"
	if got := strings.Join(heard, ","); got != want {
		t.Errorf("heard %s\nwant  %s", got, want)
	}
}

// allKeys lists every key, on each master of a Cluster.
func allKeys(ctx context.Context, rdb redis.UniversalClient) ([]string, error) {
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return rdb.Keys(ctx, "*").Result()
	}
	var mu sync.Mutex
	var out []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		ks, err := c.Keys(ctx, "*").Result()
		mu.Lock()
		out = append(out, ks...)
		mu.Unlock()
		return err
	})
	return out, err
}
