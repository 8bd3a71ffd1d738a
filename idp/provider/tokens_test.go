package provider_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/provider/keys"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// tokens runs a full sign-in and code exchange.
func (e *env) tokens(t testing.TB, r *rp) (*oauth2.Token, string) {
	t.Helper()
	v := oauth2.GenerateVerifier()
	resp, _ := e.browser().login(r.authURL(v), testPassword)
	c := code(t, resp)
	tok, err := r.conf.Exchange(context.Background(), c, oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	return tok, c
}

// tokenCall posts to the token endpoint and returns status and error code.
func (e *env) tokenCall(form url.Values, user, pass string) (int, map[string]any) {
	req, _ := http.NewRequest("POST", e.iss+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (e *env) refresh(rt string) (int, map[string]any) {
	return e.tokenCall(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, "pjweb", rpSecret)
}

// active introspects a token as the client.
func (e *env) active(tok string) bool {
	req, _ := http.NewRequest("POST", e.iss+"/oauth2/introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("pjweb", rpSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Active bool }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.Active
}

func TestRefreshRotationAndReuseDetection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	tok, _ := e.tokens(t, r)
	st, out := e.refresh(tok.RefreshToken)
	if st != 200 || out["refresh_token"] == nil || out["refresh_token"] == tok.RefreshToken || out["id_token"] == nil {
		t.Fatalf("refresh: %d %v", st, out)
	}
	rt2, at2 := out["refresh_token"].(string), out["access_token"].(string)
	if e.active(tok.AccessToken) {
		t.Error("first access token still active after rotation")
	}
	if !e.active(at2) {
		t.Error("new access token inactive")
	}
	// The rotated token comes back: reuse revokes the whole family.
	if st, out := e.refresh(tok.RefreshToken); st != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", st, out)
	}
	if st, out := e.refresh(rt2); st == 200 {
		t.Fatalf("newest token survived reuse of an old one: %v", out)
	}
	if e.active(at2) {
		t.Error("access token survived reuse detection")
	}
}

func TestCodeReplayRevokesTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	v := oauth2.GenerateVerifier()
	resp, _ := e.browser().login(r.authURL(v), testPassword)
	c := code(t, resp)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {rpRedirect}, "code_verifier": {v}}
	st, out := e.tokenCall(form, "pjweb", rpSecret)
	if st != 200 {
		t.Fatalf("first exchange: %d %v", st, out)
	}
	if st, out := e.tokenCall(form, "pjweb", rpSecret); st != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %v", st, out)
	}
	if e.active(out["access_token"].(string)) {
		t.Error("access token of a replayed code still active")
	}
	if st, _ := e.refresh(out["refresh_token"].(string)); st == 200 {
		t.Error("refresh token of a replayed code still works")
	}
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	tok, _ := e.tokens(t, r)
	req, _ := http.NewRequest("POST", e.iss+"/oauth2/revoke", strings.NewReader(url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("pjweb", rpSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", err, resp)
	}
	resp.Body.Close()
	if st, _ := e.refresh(tok.RefreshToken); st == 200 {
		t.Error("revoked refresh token still works")
	}
	if e.active(tok.AccessToken) {
		t.Error("access token of a revoked grant still active")
	}
}

func TestRS256Client(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Two RS256 keys: the newer (last by name) signs for RS256 clients.
	for f, alg := range map[string]string{"a-es.pem": "ES256", "b-rs.pem": "RS256", "c-rs.pem": "RS256"} {
		if err := keys.Generate(filepath.Join(dir, f), alg); err != nil {
			t.Fatal(err)
		}
	}
	e := newEnvOn(t, redistest.Client(t), dir, func(c *provider.Config) {
		c.Keys.Active = "a-es.pem"
		c.Clients[0].SigningAlg = "RS256"
	})
	tok, _ := e.tokens(t, e.rp())
	raw := tok.Extra("id_token").(string)
	if h, _ := base64URL(strings.Split(raw, ".")[0]); !strings.Contains(string(h), `"RS256"`) {
		t.Fatalf("header %s", h)
	}
	if _, err := e.rp().verifier.Verify(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	newest, _ := keys.Dir(dir, "a-es.pem", false)
	if want := newest.All[2]; want.Alg != "RS256" || !strings.Contains(kidOf(raw), `"kid":"`+want.ID+`"`) {
		t.Errorf("header %s, want the newest RS256 key %s", kidOf(raw), want.ID)
	}
}

func TestIntrospectionOwnTokensOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients, provider.ClientConfig{ID: "ent", Secret: "ent-secret-0123456789", RedirectURIs: []string{"http://127.0.0.1:9/ent"}})
	})
	tok, _ := e.tokens(t, e.rp())
	if !e.active(tok.AccessToken) {
		t.Fatal("own token inactive")
	}
	req, _ := http.NewRequest("POST", e.iss+"/oauth2/introspect", strings.NewReader(url.Values{"token": {tok.AccessToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("ent", "ent-secret-0123456789")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if out["active"] != false || out["sub"] != nil {
		t.Fatalf("another client's token described: %v", out)
	}
}

// A refresh token's lifetime is renewed at each rotation, but never past
// the sign-in plus the session's absolute timeout: a client refreshing
// often cannot keep a grant for ever (ASVS 5.0 V10.4.8).
func TestRefreshEndsWithTheSignIn(t *testing.T) {
	t.Parallel()
	const absolute = 3 * time.Second
	e := newEnv(t, func(c *provider.Config) { c.Session.AbsoluteTimeout = absolute })
	start := time.Now().Truncate(time.Second) // auth_time has whole seconds
	tok, _ := e.tokens(t, e.rp())
	rt := tok.RefreshToken
	for i := range 2 {
		st, out := e.refresh(rt)
		if st != 200 {
			t.Fatalf("refresh %d within the session's lifetime: %d %v", i, st, out)
		}
		rt = out["refresh_token"].(string)
		exp, _ := e.introspectAs("pjweb", rt)["exp"].(float64)
		if end := start.Add(absolute + time.Second); time.Unix(int64(exp), 0).After(end) {
			t.Fatalf("rotated refresh token expires at %v, after the sign-in's end %v", time.Unix(int64(exp), 0), end)
		}
	}
	// Wait out the absolute lifetime (the only clock fosite reads is
	// the real one); the token would still be within its own 24 h.
	time.Sleep(time.Until(start.Add(absolute + 1100*time.Millisecond)))
	if st, out := e.refresh(rt); st != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("refresh after the sign-in's absolute end: %d %v", st, out)
	}
}
