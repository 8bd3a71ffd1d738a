package regulation

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// wakeups hands the "turn given back" messages to this process's
// waiters: one subscription per regulator (and its copies), opened at
// the first wait, each message the key of a turn given back.
//
// A message wakes one waiter of the key, the first in line not told
// yet: a turn given back frees one slot, which the first in line takes
// (takeTurn), so waking every waiter had all but one look in vain, a
// script run each; behind a campus NAT, a dozen per sign-in.
// Waiters are told in the line's order (by score, then member, as a
// sorted set orders them), which each learns when its take is refused.
// This process sees only its own waiters, though: another replica's may
// be ahead, or one of its own that has not begun listening yet. So a
// waiter told in vain while a slot is free passes the wake
// on (pass), and one that stops waiting with a wake unread passes it
// too: no slot stays free for want of a wake.
type wakeups struct {
	mu      sync.Mutex
	sub     *redis.PubSub
	waiting map[string][]waiter // per key, in line order
}

type waiter struct {
	ch    chan struct{}
	place linePlace
}

// linePlace is a waiter's place in a line: its score and its member.
type linePlace struct {
	score  float64
	holder string
}

func (p linePlace) compare(q linePlace) int {
	if c := cmp.Compare(p.score, q.score); c != 0 {
		return c
	}
	return strings.Compare(p.holder, q.holder)
}

// listen returns a channel told when key's turn is given back and this
// waiter, at place in its line, is the one to look, until stop.
func (w *wakeups) listen(ctx context.Context, rdb redis.UniversalClient, channel, key string, place linePlace) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting == nil {
		w.waiting = map[string][]waiter{}
	}
	ws := w.waiting[key]
	at, _ := slices.BinarySearchFunc(ws, place, func(x waiter, p linePlace) int { return x.place.compare(p) })
	w.waiting[key] = slices.Insert(ws, at, waiter{ch, place})
	if w.sub == nil {
		w.sub = rdb.Subscribe(context.WithoutCancel(ctx), channel)
		// Subscribed before the first waiter looks again, or a turn
		// given back meanwhile would wake nobody (it would still be
		// found at the next relook).
		_, _ = w.sub.Receive(ctx)
		go w.run(w.sub.Channel())
	}
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.waiting[key] = slices.DeleteFunc(w.waiting[key], func(x waiter) bool { return x.ch == ch })
		if len(w.waiting[key]) == 0 {
			delete(w.waiting, key)
		}
		select {
		case <-ch: // told, and gone without looking: the next looks
			w.wakeOne(key, nil)
		default:
		}
	}
}

func (w *wakeups) run(msgs <-chan *redis.Message) {
	for m := range msgs {
		w.mu.Lock()
		w.wakeOne(m.Payload, nil)
		w.mu.Unlock()
	}
}

// pass hands a wake on from ch, told but not first in line, to the next
// waiter of key after it not told yet. Forward only: those before it were
// told already (they look of themselves), and two waiters that are not
// first in line would otherwise hand the wake to each other for ever.
func (w *wakeups) pass(key string, ch <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.wakeOne(key, ch)
}

// wakeOne tells the first waiter of key not told yet, after after if it
// is one of them; w.mu is held.
func (w *wakeups) wakeOne(key string, after <-chan struct{}) {
	waiting := w.waiting[key]
	for i, x := range waiting {
		if x.ch == after {
			waiting = waiting[i+1:]
			break
		}
	}
	for _, x := range waiting {
		select {
		case x.ch <- struct{}{}:
			return
		default: // told already, not yet looked: the next
		}
	}
}

func (w *wakeups) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sub == nil {
		return nil
	}
	err := w.sub.Close()
	w.sub = nil
	return err
}
