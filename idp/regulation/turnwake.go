package regulation

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// wakeups hands the "turn given back" messages to this process's
// waiters: one subscription per regulator (and its copies), opened at
// the first wait, each message the key of a turn given back.
type wakeups struct {
	mu      sync.Mutex
	sub     *redis.PubSub
	waiting map[string]map[chan struct{}]struct{}
}

// listen returns a channel told each time key's turn is given back,
// until stop.
func (w *wakeups) listen(ctx context.Context, rdb redis.UniversalClient, channel, key string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting == nil {
		w.waiting = map[string]map[chan struct{}]struct{}{}
	}
	if w.waiting[key] == nil {
		w.waiting[key] = map[chan struct{}]struct{}{}
	}
	w.waiting[key][ch] = struct{}{}
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
		delete(w.waiting[key], ch)
		if len(w.waiting[key]) == 0 {
			delete(w.waiting, key)
		}
	}
}

func (w *wakeups) run(msgs <-chan *redis.Message) {
	for m := range msgs {
		w.mu.Lock()
		for ch := range w.waiting[m.Payload] {
			select {
			case ch <- struct{}{}:
			default: // already told
			}
		}
		w.mu.Unlock()
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
