// Package redistest starts a real redis-server for tests, on a free loopback
// port in a temporary directory, and stops it when the test ends.
package redistest

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Start runs redis-server for the duration of tb and returns its address
// ("127.0.0.1:PORT"). It fails the test if redis-server is not installed:
// a mock never stands in for a server we can run (.ci/run installs it).
func Start(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		bin = "/usr/bin/redis-server"
		if _, err := os.Stat(bin); err != nil {
			tb.Fatalf("redis-server not found (apt-get install redis-server): %v", err)
		}
	}
	dir := tb.TempDir()
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(tb)
		cmd := exec.Command(bin,
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--dir", dir, "--save", "", "--appendonly", "no",
			"--protected-mode", "yes", "--loglevel", "warning")
		cmd.Stdout = nil
		logf, _ := os.Create(filepath.Join(dir, "redis.log"))
		cmd.Stderr = logf
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start redis-server: %v", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if waitReady(addr, cmd) {
			tb.Cleanup(func() {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				_ = logf.Close()
			})
			return addr
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logf.Close()
	}
	tb.Fatalf("redis-server did not start; see logs in %s", dir)
	return ""
}

// Client starts a server (see Start) and returns a client connected to it.
func Client(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: Start(tb)})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func waitReady(addr string, cmd *exec.Cmd) bool {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return true
		}
		if cmd.ProcessState != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Dump reads every key of the server and its value, whatever its type,
// as a dump of Redis would hold them (an RDB file, a replica): the key
// maps to its value's members joined by newlines. Tests search it for
// secrets.
func Dump(tb testing.TB, rdb redis.UniversalClient) map[string]string {
	tb.Helper()
	ctx := context.Background()
	out := map[string]string{}
	iter := rdb.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		var vals []string
		var err error
		switch typ, _ := rdb.Type(ctx, k).Result(); typ {
		case "string":
			var v string
			v, err = rdb.Get(ctx, k).Result()
			vals = []string{v}
		case "hash":
			var m map[string]string
			m, err = rdb.HGetAll(ctx, k).Result()
			for f, v := range m {
				vals = append(vals, f, v)
			}
		case "set":
			vals, err = rdb.SMembers(ctx, k).Result()
		case "zset":
			vals, err = rdb.ZRange(ctx, k, 0, -1).Result()
		case "list":
			vals, err = rdb.LRange(ctx, k, 0, -1).Result()
		case "none":
			continue // expired since the scan
		default:
			tb.Fatalf("redistest.Dump: key %q of type %q", k, typ)
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			tb.Fatalf("redistest.Dump: %s: %v", k, err)
		}
		out[k] = strings.Join(vals, "\n")
	}
	if err := iter.Err(); err != nil {
		tb.Fatalf("redistest.Dump: scan: %v", err)
	}
	return out
}
