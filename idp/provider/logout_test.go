package provider_test

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/provider/keys"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

func TestLogoutWithBackchannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	v := oauth2.GenerateVerifier()
	resp, _ := b.login(r.authURL(v), testPassword)
	ctx := context.Background()
	tok, err := r.conf.Exchange(ctx, code(t, resp), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	rawID := tok.Extra("id_token").(string)
	idt, _ := r.verifier.Verify(ctx, rawID)
	var idc struct{ SID string }
	_ = idt.Claims(&idc)

	q := url.Values{"id_token_hint": {rawID}, "post_logout_redirect_uri": {"http://127.0.0.1:9/bye"}, "state": {"s1"}}
	resp, _ = b.follow(e.iss + "/oauth2/logout?" + q.Encode())
	if loc := resp.Header.Get("Location"); loc != "http://127.0.0.1:9/bye?state=s1" {
		t.Fatalf("logout redirect = %d %q", resp.StatusCode, loc)
	}
	select {
	case lt := <-e.rpHits:
		// The RP verifies the logout token with the provider's keys.
		lv := r.oidc.Verifier(&oidc.Config{ClientID: "pjweb"})
		ltok, err := lv.Verify(ctx, lt)
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		_ = ltok.Claims(&c)
		ev, _ := c["events"].(map[string]any)
		if _, ok := ev["http://schemas.openid.net/event/backchannel-logout"]; !ok || c["sid"] != idc.SID || c["sub"] != idt.Subject || c["nonce"] != nil {
			t.Errorf("logout token claims = %v", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no back-channel logout token received")
	}
	// The session is gone.
	resp, _ = b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("prompt", "none")))
	if redirectQuery(t, resp).Get("error") != "login_required" {
		t.Error("session survived logout")
	}
}

func TestLogoutRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.login(e.rp().authURL(oauth2.GenerateVerifier()), testPassword)
	// Unregistered post-logout URI: error page, no redirect.
	q := url.Values{"client_id": {"pjweb"}, "post_logout_redirect_uri": {"https://evil.example/"}}
	resp, _ := b.follow(e.iss + "/oauth2/logout?" + q.Encode())
	if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
		t.Errorf("bad post_logout_redirect_uri: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Without id_token_hint: a confirmation page, and the session stays.
	resp, body := b.follow(e.iss + "/oauth2/logout?client_id=pjweb")
	if resp.StatusCode != 200 || !strings.Contains(body, `name="csrf"`) {
		t.Fatalf("want confirmation, got %d", resp.StatusCode)
	}
	resp, _ = b.follow(e.rp().authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("prompt", "none")))
	code(t, resp)
	// Confirming ends it.
	resp, _ = b.post(e.iss+"/oauth2/logout", url.Values{"csrf": {hidden(body, "csrf")}, "client_id": {"pjweb"}})
	if resp.StatusCode != 200 {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	resp, _ = b.follow(e.rp().authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("prompt", "none")))
	if redirectQuery(t, resp).Get("error") != "login_required" {
		t.Error("session survived confirmed logout")
	}
}

// A token signed before a rotation still verifies: the retiring key stays
// in the JWKS while the new key signs.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	dir := t.TempDir()
	if err := keys.Generate(filepath.Join(dir, "2026-01.pem"), "ES256"); err != nil {
		t.Fatal(err)
	}
	es256 := func(c *provider.Config) { // the keys here
		for i := range c.Clients {
			c.Clients[i].SigningAlg = "ES256"
		}
	}
	e1 := newEnvOn(t, rdb, dir, es256)
	tok1, _ := e1.tokens(t, e1.rp())
	old := tok1.Extra("id_token").(string)

	// Rotation: a newer key file appears (names sort by date); the
	// provider restarts with both.
	if err := keys.Generate(filepath.Join(dir, "2026-06.pem"), "ES256"); err != nil {
		t.Fatal(err)
	}
	e2 := newEnvOn(t, rdb, dir, es256)
	set := e2.p.Keys()
	if len(set.All) != 2 || e1.p.Keys().Active.ID == set.Active.ID {
		t.Fatalf("rotation: %d keys, active %s", len(set.All), set.Active.ID)
	}
	ks := oidc.NewRemoteKeySet(context.Background(), e2.iss+"/jwks.json")
	if _, err := ks.VerifySignature(context.Background(), old); err != nil {
		t.Fatalf("token signed by the retiring key: %v", err)
	}
	tok2, _ := e2.tokens(t, e2.rp())
	if _, err := ks.VerifySignature(context.Background(), tok2.Extra("id_token").(string)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(kidOf(tok2.Extra("id_token").(string)), set.Active.ID) {
		t.Error("new token not signed by the new key")
	}
}

func kidOf(jwt string) string {
	h, _ := base64URL(strings.Split(jwt, ".")[0])
	return string(h)
}

// A session that timed out is announced to its clients when its browser
// comes back, once.
func TestTimedOutSessionAnnounced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) { c.Session.IdleTimeout = time.Second })
	r := e.rp()
	b := e.browser()
	resp, _ := b.login(r.authURL(oauth2.GenerateVerifier()), testPassword)
	code(t, resp)
	time.Sleep(1100 * time.Millisecond)
	resp, _ = b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("prompt", "none")))
	if redirectQuery(t, resp).Get("error") != "login_required" {
		t.Fatal("timed-out session still signs in")
	}
	select {
	case lt := <-e.rpHits:
		if _, err := r.oidc.Verifier(&oidc.Config{ClientID: "pjweb"}).Verify(context.Background(), lt); err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no back-channel logout token for the timed-out session")
	}
	b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("prompt", "none")))
	select {
	case <-e.rpHits:
		t.Error("timed-out session announced twice")
	case <-time.After(300 * time.Millisecond):
	}
}
