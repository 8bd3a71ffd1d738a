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
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.mu.Lock()
		c.trips++
		c.commands = append(c.commands, cmd.Name())
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.mu.Lock()
		c.trips++
		for _, cmd := range cmds {
			c.commands = append(c.commands, cmd.Name())
		}
		c.mu.Unlock()
		return next(ctx, cmds)
	}
}

func (c *counter) reset() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, cmds := c.trips, c.commands
	c.trips, c.commands = 0, nil
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
	t.Logf("sign-in (request, page, password, code, exchange): %d round trips, %d commands: %s", trips, len(cmds), strings.Join(cmds, " "))
	// The sign-in's session holds its client from the start, and its
	// writes go in one pipeline: no WATCH transaction to add the client.
	// The exchange reads its code once and takes the PKCE and OpenID
	// records as it reads them (GETDEL).
	takes := 0
	for _, c := range cmds {
		if c == "getdel" {
			takes++
		}
	}
	if trips > 24 || slices.Contains(cmds, "watch") || slices.Contains(cmds, "multi") || takes != 2 {
		t.Errorf("a sign-in costs %d Redis round trips (want 24 at most), a transaction, or not 2 GETDEL: %v", trips, cmds)
	}
	st, out := e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, "pjweb", rpSecret)
	if st != 200 {
		t.Fatalf("refresh: %d %v", st, out)
	}
	trips, cmds = cnt.reset()
	if trips > 8 {
		t.Errorf("a refresh costs %d Redis round trips, more than 8", trips)
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
	if slices.Contains(cmds, "watch") {
		t.Errorf("an authorization for a client the session has rewrote the session: %s", strings.Join(cmds, " "))
	}
}
