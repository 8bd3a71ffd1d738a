package redistest

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The master is lost, the sentinel promotes the replica, and a Sentinel
// client follows: the write made before the crash is there, a write
// after it lands on the new master.
func TestSentinelCrash(t *testing.T) {
	t.Parallel()
	s := StartSentinel(t)
	c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: s.MasterName, SentinelAddrs: []string{s.Sentinel}})
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "before", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	first := s.Master(t)
	time.Sleep(50 * time.Millisecond) // the write replicated, as any write some ms old is
	s.Crash(t)
	now := s.Master(t)
	if now == first {
		t.Fatalf("master %s after the crash, as before", now)
	}
	if err := c.Set(ctx, "after", "1", 0).Err(); err != nil {
		t.Fatalf("a write once the replica is promoted: %v", err)
	}
	if v, err := c.Get(ctx, "before").Result(); err != nil || v != "1" {
		t.Fatalf("the write from before the crash: %q %v", v, err)
	}
	direct := redis.NewClient(&redis.Options{Addr: now})
	defer direct.Close()
	if v, err := direct.Get(ctx, "after").Result(); err != nil || v != "1" {
		t.Fatalf("the write after the crash is not on the new master: %q %v", v, err)
	}
}
