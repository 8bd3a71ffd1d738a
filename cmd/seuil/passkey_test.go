package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
)

// The passkey endpoints' guards, through the demo's wiring (the
// ceremonies themselves run in Chromium with its virtual authenticator:
// flows/e2e/passkey.mjs): JSON only, cross-origin refused, a
// registration needs the SSO session, a ceremony id is single use and
// unknown ones are refused, "Mon compte" goes through the sign-in page
// and back, and its removal form needs its session-bound token.
func TestPasskeyGuards(t *testing.T) {
	t.Parallel()
	e := startDemo(t, func(c *config.Config) {
		// WebAuthn needs a host name; the listener stays on 127.0.0.1.
		c.Passkeys.Enabled = true
		c.Server.PublicURL = strings.Replace(c.Server.PublicURL, "127.0.0.1", "localhost", 1)
	})
	post := func(path, contentType, body string, header map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.seuil+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		name, path, ct, body string
		header               map[string]string
		status               int
		want                 string
	}{
		{"a form post", "/passkeys/login/options", "application/x-www-form-urlencoded", "a=b", nil, 415, `"refused"`},
		{"cross-origin", "/passkeys/login/options", "application/json", "{}",
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403, ""},
		{"registration without a session", "/passkeys/register/options", "application/json", "{}", nil, 401, `"no_session"`},
		{"a sign-in with an unknown ceremony", "/passkeys/login?ceremony=forged", "application/json", "{}", nil, 400, `"expired"`},
		{"the sign-in options", "/passkeys/login/options", "application/json", "{}", nil, 200, `"challenge"`},
	} {
		status, body := post(c.path, c.ct, c.body, c.header)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d with %s", c.name, status, body, c.status, c.want)
		}
	}
	// A ceremony is single use: the second answer with the same id is refused.
	_, body := post("/passkeys/login/options", "application/json", "{}", nil)
	ceremony := strings.Split(strings.Split(body, `"ceremony":"`)[1], `"`)[0]
	for i, want := range []string{`"unknown_key"`, `"expired"`} {
		// The first is taken and fails on its empty assertion.
		if status, body := post("/passkeys/login?ceremony="+url.QueryEscape(ceremony), "application/json", "{}", nil); !strings.Contains(body, want) {
			t.Errorf("answer %d with one ceremony: %d %s, want %s", i+1, status, body, want)
		}
	}

	// "Mon compte" through SSO: the sign-in page, then back.
	b := newBrowser(t)
	p := b.get(e.seuil + "/account")
	if p.url.Path != "/login" || p.url.Query().Get("next") != "/account" {
		t.Fatalf("Mon compte without a session landed on %s", p.url)
	}
	p = b.submit(p, map[string]string{"login": "22019999T", "password": "Lanterne-Bleue-2026"})
	if p.url.Path != "/account" || !strings.Contains(p.body, "Mes clés d&#39;accès (passkeys)") ||
		!strings.Contains(p.body, "Vous n&#39;avez encore aucune clé d&#39;accès.") {
		t.Fatalf("after the sign-in: %s\n%s", p.url, p.body)
	}
	// A passkey is added only on a recent sign-in: an hour old, the
	// ceremony is refused and the page asks to sign in again, which the
	// sign-in page then does, over the live session, and comes back.
	if status, body := post("/passkeys/register/options", "application/json", "{}", map[string]string{"Cookie": cookies(b, e.seuil)}); status != 200 {
		t.Errorf("a fresh sign-in's registration options: %d %s", status, body)
	}
	ageSessions(t, e, time.Hour)
	if status, body := post("/passkeys/register/options", "application/json", "{}", map[string]string{"Cookie": cookies(b, e.seuil)}); status != 403 ||
		!strings.Contains(body, `"reauth"`) {
		t.Errorf("an hour-old sign-in's registration options: %d %s, want 403 reauth", status, body)
	}
	p = b.get(e.seuil + "/account")
	if !strings.Contains(p.body, "reconnectez-vous d&#39;abord") {
		t.Fatalf("Mon compte on an old sign-in:\n%s", p.body)
	}
	p = b.get(e.seuil + "/login?prompt=login&next=%2Faccount")
	p = b.submit(p, map[string]string{"login": "22019999T", "password": "Lanterne-Bleue-2026"})
	if p.url.Path != "/account" || strings.Contains(p.body, "reconnectez-vous") || !strings.Contains(p.body, "data-register=") {
		t.Fatalf("after signing in again: %s\n%s", p.url, p.body)
	}

	resp, err := b.c.PostForm(e.seuil+"/account/passkeys/delete", url.Values{"csrf": {"forged"}, "id": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("removal with a forged token: %d, want 403", resp.StatusCode)
	}
}

// cookies is the Cookie header the browser would send to base.
func cookies(b *browser, base string) string {
	u, _ := url.Parse(base)
	var parts []string
	for _, c := range b.c.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// ageSessions moves the sign-in of every SSO session of the demo back by d.
func ageSessions(t *testing.T, e *demoEnv, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	keys, err := e.rdb.Keys(ctx, "*sso:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range keys {
		raw, err := e.rdb.Get(ctx, k).Bytes()
		if err != nil {
			continue // the login index is a set
		}
		var s map[string]any
		if json.Unmarshal(raw, &s) != nil || s["auth_time"] == nil {
			continue
		}
		at, _ := time.Parse(time.RFC3339Nano, s["auth_time"].(string))
		s["auth_time"] = at.Add(-d).Format(time.RFC3339Nano)
		out, _ := json.Marshal(s)
		if err := e.rdb.Set(ctx, k, out, redis.KeepTTL).Err(); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no session to age")
	}
}
