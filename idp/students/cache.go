package students

import (
	"context"
	"sync"
	"time"
)

// Cache answers a student's repeated lookups from memory. One activation
// looks its student up four or five times in a few minutes (screen 2,
// the code's recipients, the password's personal words, the account's
// creation); against a live source such as Pégase, each is several HTTP
// calls. A record is served for at most MaxAge, counted from the moment
// its lookup was asked (so never older than that); an unknown student
// and a failure are never cached, so a student enrolled a minute ago is
// found at once and a source that recovers is asked again.
type Cache struct {
	src    Source
	maxAge time.Duration
	max    int
	now    func() time.Time

	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	rec Record
	at  time.Time
}

// NewCache wraps src; max bounds the records held (≤ 0 takes 10,000,
// some megabytes at most).
func NewCache(src Source, maxAge time.Duration, max int) *Cache {
	if max <= 0 {
		max = 10000
	}
	return &Cache{src: src, maxAge: maxAge, max: max, now: time.Now, m: map[string]cached{}}
}

// Lookup answers from memory while the record is fresh, else asks src.
func (c *Cache) Lookup(ctx context.Context, studentID string) (Record, error) {
	asked := c.now()
	c.mu.Lock()
	e, ok := c.m[studentID]
	c.mu.Unlock()
	if ok && asked.Sub(e.at) < c.maxAge {
		return e.rec, nil
	}
	rec, err := c.src.Lookup(ctx, studentID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		delete(c.m, studentID)
		return rec, err
	}
	if len(c.m) >= c.max {
		c.evict(asked)
	}
	c.m[studentID] = cached{rec: rec, at: asked}
	return rec, nil
}

// evict drops the stale records, and if none was stale a tenth of the
// others (in Go's random map order), so a burst of new students costs
// one sweep per thousand lookups rather than one per lookup.
func (c *Cache) evict(now time.Time) {
	for id, e := range c.m {
		if now.Sub(e.at) >= c.maxAge {
			delete(c.m, id)
		}
	}
	for id := range c.m {
		if len(c.m) < c.max*9/10 {
			break
		}
		delete(c.m, id)
	}
}
