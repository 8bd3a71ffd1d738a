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
	addr, _ := start(tb)
	return addr
}

// start runs redis-server with extra arguments.
func start(tb testing.TB, extra ...string) (string, *os.Process) {
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
		args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--dir", dir, "--save", "", "--appendonly", "no",
			"--protected-mode", "yes", "--loglevel", "warning"}, extra...)
		cmd := exec.Command(bin, args...)
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
			return addr, cmd.Process
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logf.Close()
	}
	tb.Fatalf("redis-server did not start; see logs in %s", dir)
	return "", nil
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
		info, err := c.Info(ctx, "server").Result()
		cancel()
		if err == nil {
			// The port may have been taken between freePort and the
			// bind by another test's server, which answers in place of
			// ours (gone): only our own process will do.
			return strings.Contains(info, "process_id:"+strconv.Itoa(cmd.Process.Pid)+"\r\n")
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

// Sentinel is a master, its replica and a sentinel watching them, each
// a real process on loopback, for tests of failover.
type Sentinel struct {
	MasterName string
	Sentinel   string // the sentinel's address, what redis.addrs names
	master     *os.Process
	sentinel   *redis.SentinelClient
}

// StartSentinel runs a master, a replica of it and a redis-sentinel (a
// quorum of one, which takes the master for down after 1 s without an
// answer) for the duration of tb.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	master, proc := start(tb)
	replica, _ := start(tb, "--replicaof", "127.0.0.1", portOf(master))
	s := &Sentinel{MasterName: "seuil", master: proc}
	waitLink(tb, replica)
	bin, err := exec.LookPath("redis-sentinel")
	if err != nil {
		tb.Fatalf("redis-sentinel not found (apt-get install redis-sentinel): %v", err)
	}
	dir := tb.TempDir()
	port := freePort(tb)
	conf := filepath.Join(dir, "sentinel.conf")
	// Sentinel rewrites its file as it learns: it must be its own.
	if err := os.WriteFile(conf, []byte("port "+strconv.Itoa(port)+"\nbind 127.0.0.1\ndir "+dir+"\n"+
		"sentinel monitor seuil 127.0.0.1 "+portOf(master)+" 1\n"+
		"sentinel down-after-milliseconds seuil 1000\nsentinel failover-timeout seuil 10000\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, conf)
	logf, _ := os.Create(filepath.Join(dir, "sentinel.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start redis-sentinel: %v", err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = logf.Close() })
	s.Sentinel = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.sentinel = redis.NewSentinelClient(&redis.Options{Addr: s.Sentinel})
	tb.Cleanup(func() { _ = s.sentinel.Close() })
	s.waitReplica(tb, replica)
	return s
}

// waitReplica waits until the sentinel knows addr as a replica in sync,
// from the replica's own INFO: before that it has no replica to promote.
func (s *Sentinel) waitReplica(tb testing.TB, addr string) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		reps, err := s.sentinel.Replicas(context.Background(), s.MasterName).Result()
		for _, r := range reps {
			if net.JoinHostPort(r["ip"], r["port"]) == addr && r["flags"] == "slave" && r["master-link-status"] == "ok" {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redis-sentinel does not see %s as a replica in sync: %v %v", addr, reps, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Master is the address the sentinel gives for the master now.
func (s *Sentinel) Master(tb testing.TB) string {
	tb.Helper()
	a, err := s.sentinel.GetMasterAddrByName(context.Background(), s.MasterName).Result()
	if err != nil {
		tb.Fatalf("sentinel: master: %v", err)
	}
	return net.JoinHostPort(a[0], a[1])
}

// Crash kills the master (SIGKILL, as a node lost) and returns once the
// sentinel has promoted the replica: about a second to find it down,
// another to elect and promote. Clients meanwhile get errors.
func (s *Sentinel) Crash(tb testing.TB) {
	tb.Helper()
	s.WaitPromoted(tb, s.Kill(tb))
}

// Kill kills the master and returns its address.
func (s *Sentinel) Kill(tb testing.TB) string {
	tb.Helper()
	old := s.Master(tb)
	if err := s.master.Kill(); err != nil {
		tb.Fatalf("kill the master: %v", err)
	}
	return old
}

// WaitPromoted returns once the sentinel names another master than old.
func (s *Sentinel) WaitPromoted(tb testing.TB, old string) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for s.Master(tb) == old {
		if time.Now().After(deadline) {
			tb.Fatal("sentinel: the master did not change")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitLink waits until addr is a replica in sync with its master.
func waitLink(tb testing.TB, addr string) {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		info, _ := c.Info(context.Background(), "replication").Result()
		if strings.Contains(info, "role:slave") && strings.Contains(info, "master_link_status:up") {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s is not a replica in sync:\n%s", addr, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// StartCluster runs a Redis Cluster of three masters (no replicas) on
// loopback for the duration of tb, its slots shared out by redis-cli,
// and returns the nodes' addresses: what redis.addrs lists for Cluster.
func StartCluster(tb testing.TB) []string {
	tb.Helper()
	var addrs []string
	for range 3 {
		a, _ := start(tb, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		addrs = append(addrs, a)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		tb.Fatalf("redis-cli not found (apt-get install redis-tools): %v", err)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		for {
			info, _ := c.ClusterInfo(context.Background()).Result()
			if strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				c.Close()
				tb.Fatalf("cluster node %s not ready:\n%s", a, info)
			}
			time.Sleep(100 * time.Millisecond)
		}
		c.Close()
	}
	return addrs
}

// ClusterClient starts a cluster (StartCluster) and returns a client of it.
func ClusterClient(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: StartCluster(tb)})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}
