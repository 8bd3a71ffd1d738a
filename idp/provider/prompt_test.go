package provider_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/provider"
)

func redirectQuery(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode/100 != 3 {
		t.Fatalf("want redirect, got %d", resp.StatusCode)
	}
	return loc.Query()
}

func TestPromptNone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	none := oauth2.SetAuthURLParam("prompt", "none")
	resp, _ := b.follow(r.authURL(oauth2.GenerateVerifier(), none))
	if q := redirectQuery(t, resp); q.Get("error") != "login_required" {
		t.Fatalf("without session: error = %q", q.Get("error"))
	}
	b.login(r.authURL(oauth2.GenerateVerifier()), testPassword)
	resp, _ = b.follow(r.authURL(oauth2.GenerateVerifier(), none))
	code(t, resp)
}

func TestPromptLoginForcesSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	b.login(r.authURL(oauth2.GenerateVerifier()), testPassword)
	v := oauth2.GenerateVerifier()
	resp, body := b.follow(r.authURL(v, oauth2.SetAuthURLParam("prompt", "login")))
	if resp.StatusCode != 200 || !strings.Contains(body, `name="password"`) {
		t.Fatalf("prompt=login with a session: want sign-in page, got %d", resp.StatusCode)
	}
	resp, _ = b.login(r.authURL(v, oauth2.SetAuthURLParam("prompt", "login")), testPassword)
	if _, err := r.conf.Exchange(context.Background(), code(t, resp), oauth2.VerifierOption(v)); err != nil {
		t.Fatal(err)
	}
}

// The activation side of prompt=create: the provider hands over to the
// activation flow; the flow (played here) calls StartSession and sends
// the browser to Continue, which completes the authorization with a code.
func TestPromptCreateHandover(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	v := oauth2.GenerateVerifier()
	resp, _ := b.follow(r.authURL(v, oauth2.SetAuthURLParam("prompt", "create")))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Path != "/seuil/activation" {
		t.Fatalf("redirect to %q, want /seuil/activation", loc.Path)
	}
	ctx := context.Background()
	h, err := e.store.TakeHandover(ctx, loc.Query().Get("handover"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Flow != "activation" || h.ClientID != "pjweb" || !strings.HasPrefix(h.Continue, "/seuil/oauth2/auth/resume?id=") {
		t.Fatalf("handover = %+v", h)
	}
	// The flow finishes: StartSession on the browser's request.
	acct, _ := e.dir.FindByLogin(ctx, testLogin)
	rec := httptest.NewRecorder()
	if err := e.p.Sessions().StartSession(ctx, rec, httptest.NewRequest("POST", e.iss+"/activation", nil), acct, []string{"pwd"}); err != nil {
		t.Fatal(err)
	}
	srvURL, _ := url.Parse(e.srv.URL)
	b.c.Jar.SetCookies(srvURL, rec.Result().Cookies())
	resp, _ = b.follow(e.srv.URL + h.Continue)
	tok, err := r.conf.Exchange(ctx, code(t, resp), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := r.verifier.Verify(ctx, tok.Extra("id_token").(string))
	if err != nil || idt.Subject != acct.Subject || idt.Nonce != "n-0S6_WzA2Mj" {
		t.Fatalf("id token: %v %+v", err, idt)
	}
	// The pending request is single use.
	resp, _ = b.follow(e.srv.URL + h.Continue)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("second resume: %d", resp.StatusCode)
	}
}

// Direct entry: the flow has an SSO session and sends the browser to the
// client's initiate_login_uri; the client's authorization request is then
// answered at once.
func TestLandingURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	ctx := context.Background()
	acct, _ := e.dir.FindByLogin(ctx, testLogin)
	rec := httptest.NewRecorder()
	if err := e.p.Sessions().StartSession(ctx, rec, httptest.NewRequest("POST", e.iss+"/activation", nil), acct, []string{"pwd"}); err != nil {
		t.Fatal(err)
	}
	srvURL, _ := url.Parse(e.srv.URL)
	b.c.Jar.SetCookies(srvURL, rec.Result().Cookies())
	land, err := e.p.LandingURL(ctx, "pjweb", testLogin)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(land)
	q := u.Query()
	if u.Path != "/login/initiate" || q.Get("iss") != e.iss || q.Get("login_hint") != testLogin || q.Get("target_link_uri") == "" {
		t.Fatalf("landing = %s", land)
	}
	v := oauth2.GenerateVerifier()
	resp, _ := b.follow(r.authURL(v, oauth2.SetAuthURLParam("login_hint", q.Get("login_hint"))))
	if _, err := r.conf.Exchange(ctx, code(t, resp), oauth2.VerifierOption(v)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.LandingURL(ctx, "mobile", testLogin); err == nil {
		t.Error("client without initiate_login_uri: no error")
	}
}

func TestLandingTarget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients, provider.ClientConfig{ID: "ent", Secret: rpSecret, RedirectURIs: []string{"https://ent.univ.fr/cb"},
			InitiateLoginURI: "https://ent.univ.fr/login?from=seuil", LandingURI: "https://ent.univ.fr/portail/etudiant?tab=pj"})
	})
	for id, want := range map[string]string{"pjweb": "http://127.0.0.1:9/", "ent": "https://ent.univ.fr/portail/etudiant?tab=pj"} {
		land, err := e.p.LandingURL(context.Background(), id, "")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(land)
		if got := u.Query().Get("target_link_uri"); got != want || u.Query().Has("login_hint") {
			t.Errorf("%s: landing %s, target_link_uri %q, want %q", id, land, got, want)
		}
		if id == "ent" && u.Query().Get("from") != "seuil" {
			t.Errorf("initiate_login_uri's own query lost: %s", land)
		}
	}
}

func TestMaxAge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	b.login(r.authURL(oauth2.GenerateVerifier()), testPassword)
	resp, _ := b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("max_age", "3600")))
	code(t, resp)
	time.Sleep(1100 * time.Millisecond)
	resp, body := b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("max_age", "1")))
	if resp.StatusCode != 200 || !strings.Contains(body, `name="password"`) {
		t.Fatalf("session older than max_age: want sign-in, got %d", resp.StatusCode)
	}
	resp, _ = b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("max_age", "1"), oauth2.SetAuthURLParam("prompt", "none")))
	if redirectQuery(t, resp).Get("error") != "login_required" {
		t.Error("prompt=none with a too old session")
	}
}
