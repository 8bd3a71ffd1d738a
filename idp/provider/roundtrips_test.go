package provider_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// counter is a go-redis hook counting round trips (a command, or a
// pipeline or transaction sent at once) and the commands they carry.
type counter struct {
	mu       sync.Mutex
	trips    int
	commands []string
	keys     []string
	last     []string // the keys of the commands reset last returned
}

// keyOf names a command by its name and its first key's prefix (the key
// without its last, secret-bearing part), for the test's log.
func keyOf(cmd redis.Cmder) string {
	args := cmd.Args()
	i := 1
	if n := cmd.Name(); n == "evalsha" || n == "eval" {
		i = 3
	}
	if len(args) <= i {
		return cmd.Name()
	}
	k, _ := args[i].(string)
	if j := strings.LastIndexByte(k, ':'); j > 0 {
		k = k[:j]
	}
	// The test's state prefix ("t:<test>:<time>:") left out too.
	if parts := strings.SplitN(k, ":", 4); len(parts) == 4 && parts[0] == "t" {
		k = parts[3]
	}
	return cmd.Name() + "(" + k + ")"
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.mu.Lock()
		c.trips++
		c.commands = append(c.commands, cmd.Name())
		c.keys = append(c.keys, keyOf(cmd))
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.mu.Lock()
		c.trips++
		for i, cmd := range cmds {
			c.commands = append(c.commands, cmd.Name())
			k := keyOf(cmd)
			if i > 0 {
				k = "+" + k
			}
			c.keys = append(c.keys, k)
		}
		c.mu.Unlock()
		return next(ctx, cmds)
	}
}

func (c *counter) reset() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, cmds := c.trips, c.commands
	c.last = c.keys
	c.trips, c.commands, c.keys = 0, nil, nil
	return t, cmds
}

// Redis round trips of a refresh and of a code exchange, counted on a
// real redis-server: the refresh reads its token once, retires it and
// its grant's other tokens in one script, and writes the new pair in one
// pipeline.
func TestRedisRoundTrips(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	var cnt counter
	rdb.AddHook(&cnt)
	e := newEnvOn(t, rdb, "")
	r := e.rp()
	e.tokens(t, r) // scripts loaded, the client's secret checked once
	cnt.reset()
	tok, _ := e.tokens(t, r)
	trips, cmds := cnt.reset()
	t.Logf("sign-in (request, page, password, code, exchange): %d round trips, %d commands: %s", trips, len(cmds), strings.Join(cnt.last, " "))
	// The sign-in's session holds its client from the start, and its
	// writes go in one pipeline: no WATCH transaction to add the client.
	// The sign-in answers the authorization at once: the request is not
	// read again, and the code goes with the request's deletion, its
	// PKCE challenge and OpenID Connect request inside its record. The
	// exchange reads that one record and spends the code in one script,
	// and writes the tokens in one round trip.
	joined := strings.Join(cnt.last, " ")
	if strings.Contains(joined, "oidc:pkce") || strings.Contains(joined, "oidc:idreq") {
		t.Errorf("a code's companions have keys of their own:\n%s", joined)
	}
	for _, want := range []string{
		"set(" + "oidc:code) +del(" + "authz)",
		"evalsha(" + "oidc:code) set(",
		// The pair joins its grant's one family in one command.
		"set(" + "oidc:at) +set(" + "oidc:rt) +sadd(" + "oidc:rtsub) +expire(" + "oidc:rtsub) +sadd(" + "oidc:fam) +expire(" + "oidc:fam)",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("a sign-in's round trips do not hold %q:\n%s", want, joined)
		}
	}
	// The authorization request is answered with the sign-in page: the
	// request is read once, by the sign-in.
	if n := strings.Count(joined, "get(authz)"); n != 1 {
		t.Errorf("the pending request read %d times, want 1 (the sign-in)", n)
	}
	// The sign-in's turns are taken and its three limits read in one
	// round trip, the turns given back in one.
	if trips > 9 || len(cmds) > 23 || slices.Contains(cmds, "multi") || strings.Contains(joined, "evalsha(sso") || strings.Contains(joined, "get(oidc:code)") {
		t.Errorf("a sign-in costs %d Redis round trips and %d commands (want 9 and 23 at most), or a transaction, or an update of its session, or reads its code apart from spending it: %v", trips, len(cmds), cmds)
	}
	st, out := e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, "pjweb", rpSecret)
	if st != 200 {
		t.Fatalf("refresh: %d %v", st, out)
	}
	trips, cmds = cnt.reset()
	// The token read; the flip with the family's read; the old tokens'
	// retirement with the new pair, which joins the family in one
	// command.
	if trips > 3 || len(cmds) > 11 {
		t.Errorf("a refresh costs %d Redis round trips and %d commands, more than 3 and 11: %s", trips, len(cmds), strings.Join(cnt.last, " "))
	}
	t.Logf("refresh: %d round trips, %d commands: %s", trips, len(cmds), strings.Join(cmds, " "))

	// Another authorization from the same SSO session, for a client the
	// session already has: read, grant, no session write.
	b := e.browser()
	b.login(r.authURL(oauth2.GenerateVerifier()), testPassword)
	cnt.reset()
	resp, _ := b.follow(r.authURL(oauth2.GenerateVerifier()))
	code(t, resp)
	trips, cmds = cnt.reset()
	t.Logf("authorization from the session: %d round trips, %d commands: %s", trips, len(cmds), strings.Join(cmds, " "))
	// A rewrite of the session would be an update: its compare-and-set
	// script on the session's key.
	if last := strings.Join(cnt.last, " "); strings.Contains(last, "evalsha(sso") || strings.Contains(last, "set(sso") {
		t.Errorf("an authorization for a client the session has rewrote the session: %s", last)
	}
}
