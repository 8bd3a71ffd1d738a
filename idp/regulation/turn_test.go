package regulation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

func turns(t *testing.T, rdb redis.UniversalClient, ttl, wait time.Duration) *regulation.Regulator {
	return newRegulator(t, rdb, nil).WithTurnTimes(ttl, wait)
}

// TestTurn takes holds one after the other: while held fully, one more is
// refused as limited once the wait is over; released (or lapsed), it is
// taken again.
func TestTurn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		slots   int
		ttl     time.Duration
		release bool // release the first holders before the last try
		want    bool // whether the last try gets its turn
	}{
		{"exclusive refuses a second", 1, time.Minute, false, false},
		{"exclusive released", 1, time.Minute, true, true},
		{"three slots refuse a fourth", 3, time.Minute, false, false},
		{"three slots released", 3, time.Minute, true, true},
		{"crashed holder lapses", 2, 150 * time.Millisecond, false, true},
	}
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := turns(t, rdb, tc.ttl, 400*time.Millisecond)
				ctx := context.Background()
				hold := regulation.Hold{Key: "student:22012345", Slots: tc.slots}
				var rel []func()
				for i := 0; i < tc.slots; i++ {
					f, err := r.Turn(ctx, hold)
					if err != nil {
						t.Fatalf("holder %d: %v", i, err)
					}
					rel = append(rel, f)
				}
				if tc.release {
					for _, f := range rel {
						f()
					}
				}
				f, err := r.Turn(ctx, hold)
				var le *regulation.LimitedError
				switch {
				case tc.want && err != nil:
					t.Fatalf("last turn: %v", err)
				case tc.want:
					f()
				case !errors.As(err, &le) || le.RetryAfter <= 0:
					t.Fatalf("last turn: err %v, want a LimitedError", err)
				}
			})
		}
	})
}

// TestTurnSerialises runs many holders of an exclusive hold and of a
// 3-slot hold at once: never more than the slots are inside together.
func TestTurnSerialises(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		for _, slots := range []int{1, 3} {
			r := turns(t, rdb, time.Minute, 10*time.Second)
			var inside, most, done atomic.Int32
			var wg sync.WaitGroup
			for i := 0; i < 12; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					release, err := r.Turn(context.Background(), regulation.Hold{Key: "ip:192.0.2.1", Slots: slots})
					if err != nil {
						t.Error(err)
						return
					}
					n := inside.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					time.Sleep(10 * time.Millisecond)
					inside.Add(-1)
					done.Add(1)
					release()
				}()
			}
			wg.Wait()
			if most.Load() > int32(slots) || done.Load() != 12 {
				t.Fatalf("slots %d: %d inside at once, %d done of 12", slots, most.Load(), done.Load())
			}
		}
	})
}

// A turn refused on its second hold gives the first back; a cancelled
// context ends the wait with its error; keys hold nothing in clear.
func TestTurnAllOrNothing(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		r := turns(t, rdb, time.Minute, 200*time.Millisecond)
		ctx := context.Background()
		ip := regulation.Hold{Key: "ip:192.0.2.1", Slots: 1}
		student := regulation.Hold{Key: "student:22012345", Slots: 1}
		held, err := r.Turn(ctx, student)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Turn(ctx, ip, student); !errors.Is(err, regulation.ErrLimited) {
			t.Fatalf("second hold busy: %v, want limited", err)
		}
		keys, err := rdb.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) == 0 {
			t.Fatal("no key in Redis while a turn is held")
		}
		for _, k := range keys {
			if strings.Contains(k, "22012345") || strings.Contains(k, "192.0.2.1") {
				t.Errorf("key %q holds a value in clear", k)
			}
		}
		f, err := r.Turn(ctx, ip) // given back by the refused turn
		if err != nil {
			t.Fatalf("first hold not given back: %v", err)
		}
		f()
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(20*time.Millisecond, cancel)
		if _, err := r.WithTurnTimes(0, time.Minute).Turn(cctx, student); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled wait: %v", err)
		}
		held()
	})
}

// All holds are asked at once; those taken after a refused one are given
// back while the refused one is waited for, so that a request never holds
// a later turn while it waits for an earlier one (two requests would each
// hold what the other waits for). Once the earlier comes, both are held.
func TestTurnInOrder(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		r := turns(t, rdb, time.Minute, 2*time.Second)
		ctx := context.Background()
		ip := regulation.Hold{Key: "ip:192.0.2.7", Slots: 1}
		student := regulation.Hold{Key: "student:22012399", Slots: 1}
		held, err := r.Turn(ctx, ip)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan error, 1)
		var both func()
		go func() {
			var err error
			both, err = r.Turn(ctx, ip, student)
			got <- err
		}()
		time.Sleep(100 * time.Millisecond) // the pair waits for ip
		alone, err := r.WithTurnTimes(0, 50*time.Millisecond).Turn(ctx, student)
		if err != nil {
			t.Fatalf("the waiting pair holds student, the later turn: %v", err)
		}
		alone()
		held()
		if err := <-got; err != nil {
			t.Fatalf("the pair, once ip was given back: %v", err)
		}
		if _, err := r.WithTurnTimes(0, 50*time.Millisecond).Turn(ctx, student); !errors.Is(err, regulation.ErrLimited) {
			t.Fatalf("the pair does not hold student: %v", err)
		}
		both()
	})
}

// A turn given back goes to the one waiting, not to a request arriving
// at that moment (which would otherwise win: it needs no wake-up), and a
// waiter that gives up leaves the line at once.
func TestTurnWaitersFirst(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		r := turns(t, rdb, time.Minute, 2*time.Second)
		ctx := context.Background()
		hold := regulation.Hold{Key: "ip:192.0.2.9", Slots: 1}
		held, err := r.Turn(ctx, hold)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan error, 1)
		go func() {
			rel, err := r.Turn(ctx, hold)
			if err == nil {
				defer rel()
				time.Sleep(100 * time.Millisecond) // hold it while the newcomer asks
			}
			got <- err
		}()
		time.Sleep(100 * time.Millisecond) // the waiter is in line
		held()
		// The newcomer waits as long as anyone, but its client goes away
		// before the waiter is done.
		nctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		if rel, err := r.Turn(nctx, hold); err == nil {
			rel()
			t.Fatal("a request arriving as the turn was given back took it before the waiter")
		}
		if err := <-got; err != nil {
			t.Fatalf("the waiter: %v", err)
		}

		// A waiter cancelled leaves the line: the next request does not
		// wait behind it once the turn is free.
		held, err = r.Turn(ctx, hold)
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel2 := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel2)
		if _, err := r.Turn(cctx, hold); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled waiter: %v", err)
		}
		held()
		wctx, cancel3 := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel3()
		rel, err := r.Turn(wctx, hold)
		if err != nil {
			t.Fatalf("after a waiter gave up, the free turn: %v", err)
		}
		rel()
	})
}

// A request whose client goes away while its take is on the wire does not
// keep the turn: a take the server made is given back, whatever moment
// the context ended at.
func TestTurnCancelledHoldsNothing(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		r := turns(t, rdb, time.Minute, time.Second)
		ip := regulation.Hold{Key: "ip:192.0.2.10", Slots: 1}
		account := regulation.Hold{Key: "account:23000002T", Slots: 1}
		for i := range 300 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%40)*25*time.Microsecond)
			if rel, err := r.Turn(ctx, ip, account); err == nil {
				rel()
			}
			cancel()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		rel, err := r.Turn(ctx, ip, account)
		if err != nil {
			t.Fatalf("a cancelled request kept a turn: %v", err)
		}
		rel()
	})
}

// TestTurnWoken: a waiter is woken when the holder gives its turn back,
// not found by looking again: here it would look again only after 30 s,
// and it gets its turn long before its context ends at 5 s. A holder
// that dies still lapses (TestTurn), found at the default relook.
func TestTurnWoken(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		r := regulation.WithTurnRelook(turns(t, rdb, time.Minute, 30*time.Second), 30*time.Second)
		t.Cleanup(func() { _ = r.Close() })
		hold := regulation.Hold{Key: "login:account:22012345T", Slots: 1}
		release, err := r.Turn(context.Background(), hold)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			f, err := r.Turn(ctx, hold)
			if err == nil {
				f()
			}
			got <- err
		}()
		time.Sleep(300 * time.Millisecond) // the waiter is waiting
		release()
		if err := <-got; err != nil {
			t.Fatalf("the waiter was not woken when the turn was given back: %v", err)
		}
	})
}

// Turns says how many hold each key once the request has it, itself
// included, whether it took it at once or after waiting; a key given
// back counts no more.
func TestTurnsCount(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		r := turns(t, rdb, time.Minute, 2*time.Second)
		ctx := context.Background()
		ip := regulation.Hold{Key: "ip:192.0.2.7", Slots: 3}
		var rel []func()
		for i := range 3 {
			f, held, err := r.Turns(ctx, ip, regulation.Hold{Key: "student:" + strings.Repeat("1", i+1), Slots: 1})
			if err != nil || len(held) != 2 || held[0] != i+1 || held[1] != 1 {
				t.Fatalf("holder %d: held %v, %v; want [%d 1]", i, held, err, i+1)
			}
			rel = append(rel, f)
		}
		go func() { time.Sleep(100 * time.Millisecond); rel[1]() }()
		// Full: this one waits for rel[1], then holds with rel[0] and rel[2].
		f, held, err := r.Turns(ctx, ip, regulation.Hold{Key: "student:x", Slots: 1})
		if err != nil || len(held) != 2 || held[0] != 3 {
			t.Fatalf("after one given back: held %v, %v; want [3 1]", held, err)
		}
		f()
		rel[2]()
		if f, held, err := r.Turns(ctx, ip); err != nil || len(held) != 1 || held[0] != 2 {
			t.Errorf("two given back: held %v, %v; want [2]", held, err)
		} else {
			f()
		}
		rel[0]()
	})
}

// evalCounter counts the scripts sent (a redis.Hook).
type evalCounter struct{ n atomic.Int64 }

func (c *evalCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *evalCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); name == "evalsha" || name == "eval" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (c *evalCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if name := cmd.Name(); name == "evalsha" || name == "eval" {
				c.n.Add(1)
			}
		}
		return next(ctx, cmds)
	}
}

// TestTurnWakesOne: a turn given back wakes the first waiter in line,
// not every waiter (behind a campus NAT, a dozen look at once and all
// but one in vain, a script run each), and each waiter still gets its
// turn by wakes alone (the relook is 30 s here), also when the waiters
// are shared by two replicas, each seeing only its own.
func TestTurnWakesOne(t *testing.T) {
	t.Parallel()
	for _, replicas := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d replicas", replicas), func(t *testing.T) {
			t.Parallel()
			rdb := redistest.Client(t)
			var cnt evalCounter
			rdb.AddHook(&cnt)
			var rs []*regulation.Regulator
			for range replicas {
				r := regulation.WithTurnRelook(turns(t, rdb, time.Minute, 30*time.Second), 30*time.Second)
				t.Cleanup(func() { _ = r.Close() })
				rs = append(rs, r)
			}
			ctx := context.Background()
			hold := regulation.Hold{Key: "login:ip:192.0.2.8", Slots: 1}
			release, err := rs[0].Turn(ctx, hold)
			if err != nil {
				t.Fatal(err)
			}
			const n = 20
			took := make(chan func(), n)
			for i := range n {
				go func() {
					f, err := rs[i%replicas].Turn(ctx, hold)
					if err != nil {
						t.Error(err)
						return
					}
					took <- f
				}()
			}
			time.Sleep(300 * time.Millisecond) // all in line, listening
			cnt.n.Store(0)
			for i := range n {
				release()
				select {
				case release = <-took:
				case <-time.After(5 * time.Second):
					t.Fatalf("waiter %d of %d not woken", i+1, n)
				}
			}
			release()
			// Each turn given back: its script, the woken waiters' takes
			// (one per replica), and wakes passed on while the first in
			// line has not taken its turn yet (more on a busy machine).
			// Waking all would be n(n+1)/2 takes more: 230 here.
			runs := cnt.n.Load()
			t.Logf("%d scripts for %d turns given back and taken", runs, n)
			if limit := int64((2 + 2*replicas) * n); runs > limit {
				t.Errorf("%d scripts for %d turns given back and taken, want %d at most", runs, n, limit)
			}
		})
	}
}

// TurnsChecked answers the checks Checks would, read with the turns
// held: in the round trip that takes them on one server, apart under
// Cluster, and after the wait when a turn was waited for.
func TestTurnsChecked(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, rdb redis.UniversalClient) {
		rule := regulation.LoginPerIP
		r := newRegulator(t, rdb, regulation.Rules{rule: {Rate: 10, Per: time.Hour, Burst: 5}}).WithTurnTimes(time.Minute, 2*time.Second)
		ctx := t.Context()
		targets := []regulation.Target{{Rule: rule, Key: "192.0.2.9"}}
		hold := regulation.Hold{Key: "ip:192.0.2.9", Slots: 1}
		// The scripts loaded first (a server that has not seen them is
		// sent them in full, one by one).
		warm, _, _, _, err := r.TurnsChecked(ctx, targets, hold)
		if err != nil {
			t.Fatal(err)
		}
		warm()
		var trips atomic.Int64
		rdb.AddHook(tripCounter{&trips})
		for spent := range 3 {
			trips.Store(0)
			release, held, ds, checkErr, err := r.TurnsChecked(ctx, targets, hold)
			if err != nil || checkErr != nil || len(held) != 1 || held[0] != 1 || len(ds) != 1 || ds[0].Remaining != 5-spent {
				t.Fatalf("after %d hits: held %v, decisions %+v, %v, %v; want 1 held and %d remaining", spent, held, ds, checkErr, err, 5-spent)
			}
			// Under Cluster the checks go apart; how a cluster client
			// counts its nodes' pipelines is its own business.
			if _, cluster := rdb.(*redis.ClusterClient); !cluster && trips.Load() != 1 {
				t.Errorf("after %d hits: %d round trips, want 1", spent, trips.Load())
			}
			release()
			if _, err := r.Hit(ctx, rule, "192.0.2.9"); err != nil {
				t.Fatal(err)
			}
		}
		// Held elsewhere: this one waits, then reads the limit as it is
		// once it holds the turn (a hit made meanwhile counted).
		other, err := r.Turn(ctx, hold)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(100 * time.Millisecond)
			_, _ = r.Hit(ctx, rule, "192.0.2.9")
			other()
		}()
		release, _, ds, checkErr, err := r.TurnsChecked(ctx, targets, hold)
		if err != nil || checkErr != nil || ds[0].Remaining != 1 {
			t.Fatalf("after waiting: decisions %+v, %v, %v; want 1 remaining", ds, checkErr, err)
		}
		release()
	})
}

// tripCounter counts round trips (a redis.Hook): a command or a
// pipeline each.
type tripCounter struct{ n *atomic.Int64 }

func (c tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}
func (c tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.n.Add(1); return next(ctx, cmds) }
}
