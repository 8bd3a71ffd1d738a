package provider_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/provider"
)

// userinfoStatus calls the userinfo endpoint with a bearer token.
func (e *env) userinfoStatus(tok string) int {
	req, _ := http.NewRequest("GET", e.iss+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A refresh token is not a bearer token (RFC 6750): fosite's
// IntrospectToken also accepts refresh tokens, so userinfo must check
// which kind it was given, or a client's refresh token (10 h) would read
// the user's claims long after its access tokens (5 min) expired.
func TestUserinfoRefusesRefreshToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, _ := e.tokens(t, e.rp())
	if st := e.userinfoStatus(tok.AccessToken); st != http.StatusOK {
		t.Fatalf("access token: %d", st)
	}
	if st := e.userinfoStatus(tok.RefreshToken); st != http.StatusUnauthorized {
		t.Fatalf("refresh token at userinfo: %d, want 401", st)
	}
}

// The back-channel logout POST goes to the registered URI and nowhere
// else: a redirect from it (to an internal address) is not followed.
func TestBackchannelDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	inner := make(chan string, 4)
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner <- r.URL.Path
	}))
	defer internal.Close()
	hop := make(chan struct{}, 4)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hop <- struct{}{}
		http.Redirect(w, r, internal.URL+"/admin/purge", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	e := newEnv(t, func(c *provider.Config) { c.Clients[0].BackchannelLogoutURI = redirector.URL + "/bcl" })
	r := e.rp()
	b := e.browser()
	v := oauth2.GenerateVerifier()
	resp, _ := b.login(r.authURL(v), testPassword)
	tok, err := r.conf.Exchange(context.Background(), code(t, resp), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}}
	b.follow(e.iss + "/oauth2/logout?" + q.Encode())
	select {
	case <-hop:
	case <-time.After(5 * time.Second):
		t.Fatal("no back-channel logout sent")
	}
	select {
	case p := <-inner:
		t.Fatalf("redirect from the back-channel URI followed to %s", p)
	case <-time.After(300 * time.Millisecond):
	}
}

// Concurrent wrong passwords for one account are counted against its
// limit (burst 3 in the harness) however many arrive at once: checking
// the limit, then the password, then counting the failure let every
// request of a burst through before any of them was counted.
func TestSignInLimitUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	resp, body := b.follow(e.rp().authURL(oauth2.GenerateVerifier()))
	form := url.Values{"csrf": {hidden(body, "csrf")}, "id": {hidden(body, "id")}, "login": {testLogin}, "password": {"wrong-password-1"}}
	action := action(resp, body)
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0 // answers after a password check: 401
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := b.c.PostForm(action, form)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				mu.Lock()
				checked++
				mu.Unlock()
			} else if resp.StatusCode != http.StatusTooManyRequests {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	close(start)
	wg.Wait()
	if checked > 3 {
		t.Fatalf("%d of %d concurrent guesses reached the directory; the limit allows 3", checked, n)
	}
	if !strings.Contains(action, "/login") {
		t.Fatalf("action %q", action)
	}
}

// An account locked after sign-in (a student who left, a compromised
// account) gets nothing more: the SSO session no longer answers
// authorization requests and its refresh tokens no longer refresh.
func TestLockedAccountLosesSessionAndRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b, tok := e.signInTokens(t)
	e.locked.Store(true)
	resp, _ := b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("prompt", "none")))
	if got := redirectQuery(t, resp).Get("error"); got != "login_required" {
		t.Errorf("authorization from the session of a locked account: error=%q, want login_required", got)
	}
	if st, out := e.refresh(tok.RefreshToken); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Errorf("refresh for a locked account: %d %v, want 400 invalid_grant", st, out)
	}
}

// A private_key_jwt client's jwks_uri is fetched there and nowhere else:
// a redirect from it (to an internal address) is not followed.
func TestJWKSURIDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	remote := signer{id: "ent", kid: "e1", alg: jose.ES256, key: ecKey}
	var inner atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.Add(1)
		_, _ = w.Write([]byte(remote.jwks(t)))
	}))
	defer internal.Close()
	redirector := httptest.NewServer(http.RedirectHandler(internal.URL+"/keys", http.StatusFound))
	defer redirector.Close()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients, provider.ClientConfig{ID: "ent", TokenEndpointAuthMethod: "private_key_jwt",
			JWKSURI: redirector.URL, TokenEndpointAuthSigningAlg: "ES256", RedirectURIs: []string{rpRedirect}})
	})
	c, v := e.codeFor(t, e.browser(), "ent")
	st, out := e.tokenCall(withAssertion(exchangeForm(c, v), remote.assertion(t, e.iss+"/oauth2/token", "jti-r", time.Minute)), "", "")
	if n := inner.Load(); n != 0 || st == http.StatusOK {
		t.Fatalf("jwks_uri redirect followed (%d fetches behind it): %d %v", n, st, out)
	}
}

// Redis holds no live secret in its key names: codes and tokens are
// known there by their signature (or a hash), never in full, so that
// listing the keys (a monitoring tool, a shared Redis) hands out nothing.
func TestNoCodeOrTokenInRedisKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	v := oauth2.GenerateVerifier()
	resp, _ := e.browser().login(r.authURL(v), testPassword)
	c := code(t, resp)
	ctx := context.Background()
	keys, err := e.store.Client().Keys(ctx, e.store.Key("*")).Result()
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.SplitN(strings.TrimPrefix(c, "ory_ac_"), ".", 2)[0]
	for _, k := range keys {
		if strings.Contains(k, secret) {
			t.Errorf("key %q holds the authorization code", k)
		}
	}
	// The code still works (the OpenID request is found under its hash).
	tok, err := r.conf.Exchange(ctx, c, oauth2.VerifierOption(v))
	if err != nil || tok.Extra("id_token") == nil {
		t.Fatalf("exchange: %v", err)
	}
}

// An access token in the URL ends up in proxy and server logs: userinfo
// takes it from the Authorization header or a POSTed form only (RFC 6750
// §2.3: clients SHOULD NOT use the query).
func TestUserinfoTokenNotFromQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, _ := e.tokens(t, e.rp())
	resp, err := http.Get(e.iss + "/userinfo?access_token=" + url.QueryEscape(tok.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token in the query: %d, want 401", resp.StatusCode)
	}
	resp, err = http.PostForm(e.iss+"/userinfo", url.Values{"access_token": {tok.AccessToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("token in a POSTed form: %d, want 200", resp.StatusCode)
	}
}

// The size bound of authorization requests (4 kB) holds for a POST whose body
// has no Content-Length (chunked): else a request of megabytes would be
// parked, whole, in Redis for the sign-in (PendingTTL, 30 min).
func TestAuthorizeChunkedPostBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := authQuery()
	q.Set("state", strings.Repeat("a", 20000))
	req, _ := http.NewRequest("POST", e.iss+"/oauth2/auth", io.MultiReader(strings.NewReader(q.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.ContentLength = -1 // chunked
	resp, err := e.browser().c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Fatalf("chunked 20 kB request: %d %q, want 400 error page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Concurrent wrong passwords from one address, each for another account
// (password spraying), are held to the per-IP limit (burst 20 by
// default) up to the few attempts allowed in flight at once.
func TestSignInPerIPLimitUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	resp, body := b.follow(e.iss + "/login")
	csrf, action := hidden(body, "csrf"), action(resp, body)
	const n = 64
	var wg sync.WaitGroup
	var checked atomic.Int32
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			form := url.Values{"csrf": {csrf}, "login": {fmt.Sprintf("2201%04dX", i)}, "password": {"Spray-2026"}}
			resp, err := b.c.PostForm(action, form)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				checked.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if c := checked.Load(); c > 20+3 {
		t.Fatalf("%d of %d concurrent guesses from one address reached the directory; the limit allows 20", c, n)
	}
}

// RP-Initiated Logout 1.0 §2: the OP supports POST. A relying party's
// page posting the logout request is cross-site: CrossOrigin refused it
// (403), and its SameSite=Lax session cookie would not come along
// anyway. It is answered with the same request by GET, a top-level
// navigation that carries the cookie.
func TestLogoutByCrossSitePost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	tok, _ := func() (*oauth2.Token, error) {
		v := oauth2.GenerateVerifier()
		resp, _ := b.login(r.authURL(v), testPassword)
		return r.conf.Exchange(context.Background(), code(t, resp), oauth2.VerifierOption(v))
	}()
	form := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {"http://127.0.0.1:9/bye"}, "state": {"s2"}}
	req, _ := http.NewRequest("POST", e.iss+"/oauth2/logout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "http://127.0.0.1:9")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cross-site logout POST: %d, want 303 to the same request by GET", resp.StatusCode)
	}
	next, _ := resp.Request.URL.Parse(resp.Header.Get("Location"))
	resp, _ = b.follow(next.String())
	if loc := resp.Header.Get("Location"); loc != "http://127.0.0.1:9/bye?state=s2" {
		t.Fatalf("logout redirect = %d %q", resp.StatusCode, loc)
	}
	resp, _ = b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("prompt", "none")))
	if redirectQuery(t, resp).Get("error") != "login_required" {
		t.Error("session survived logout")
	}
	// The confirmation form stays same-origin only.
	req, _ = http.NewRequest("POST", e.iss+"/oauth2/logout", strings.NewReader(url.Values{"csrf": {"x"}, "client_id": {"pjweb"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := b.c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site confirmation: %v %v, want 403", resp.StatusCode, err)
	}
}

// An authorization request POSTed from a relying party's page is
// cross-site: the SameSite=Lax SSO cookie does not come with it, and the
// signed-in student was asked to sign in again. It is answered with the
// same request by GET, which carries the cookie.
func TestAuthorizePostKeepsSSO(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.login(e.rp().authURL(oauth2.GenerateVerifier()), testPassword)
	cookieless := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cookieless.PostForm(e.iss+"/oauth2/auth", authQuery())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	next, _ := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || next.Path != "/seuil/oauth2/auth" {
		t.Fatalf("POST authorization: %d %q, want 303 to the same request by GET", resp.StatusCode, next)
	}
	resp, _ = b.follow(next.String())
	code(t, resp)
	// An untrusted client or redirect URI still gets the error page.
	q := authQuery()
	q.Set("redirect_uri", "https://evil.example/cb")
	if resp, err := cookieless.PostForm(e.iss+"/oauth2/auth", q); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST with a wrong redirect_uri: %v %v", resp.StatusCode, err)
	}
}

// TestParkedRequestsPerAddressBounded checks that one address cannot make
// the provider park authorization requests without bound: past the
// flow_start_per_ip burst (lowered to 20 here), a themed "too many
// attempts" page.
func TestParkedRequestsPerAddressBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u := r.authURL("verifier-0123456789-0123456789-0123456789-abcd")
	for i := 0; i < 20; i++ {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `name="password"`) {
			t.Fatalf("request %d: status %d, want the sign-in page", i, resp.StatusCode)
		}
	}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "Trop de tentatives") {
		t.Fatalf("21st parked request: %d\n%s", resp.StatusCode, body)
	}
}
