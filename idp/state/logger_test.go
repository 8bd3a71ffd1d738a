package state

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// go-redis's own messages come out as JSON lines (issue 10, point 8): a
// Sentinel that cannot be reached makes go-redis log.
func TestRedisClientLogsStructured(t *testing.T) {
	var buf bytes.Buffer
	LogRedisTo(slog.New(slog.NewJSONHandler(&buf, nil)))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{addr}, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = c.Ping(ctx).Err()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("go-redis logged nothing through slog")
	}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["msg"] != "redis client" || rec["detail"] == "" {
			t.Errorf("not a structured go-redis line: %q", line)
		}
	}
}
