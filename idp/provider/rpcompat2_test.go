package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/seuil-idp/seuil/idp/provider"
)

// Regression tests for issue 9's points 12 to 18.

// 12. Revoking another client's token is refused and the token lives on.
func TestRevokeOtherClientsToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients, provider.ClientConfig{ID: "other", Secret: rpSecret, RedirectURIs: []string{rpRedirect}})
	})
	tok, _ := e.tokens(t, e.rp())
	req, _ := http.NewRequest("POST", e.iss+"/oauth2/revoke", strings.NewReader(url.Values{"token": {tok.RefreshToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("other", rpSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("revoking pjweb's token as other: 200")
	}
	if st, _ := e.refresh(tok.RefreshToken); st != 200 {
		t.Errorf("the token did not survive: refresh %d", st)
	}
}

// 12. Methods: HEAD issues no code, PUT logs nobody out.
func TestMethodsRestricted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedInBrowser(t)
	for _, tc := range []struct{ method, path string }{
		{"HEAD", "/oauth2/auth?" + authQuery().Encode()},
		{"PUT", "/oauth2/logout"}, {"DELETE", "/oauth2/logout"}, {"HEAD", "/oauth2/logout"},
		{"PUT", "/oauth2/auth"}, {"GET", "/oauth2/token"},
	} {
		req, _ := http.NewRequest(tc.method, e.iss+tc.path, nil)
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: %d, Allow %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	// Still signed in.
	resp, _ := b.follow(e.iss + "/oauth2/auth?" + authQuery().Encode() + "&prompt=none")
	if redirectQuery(t, resp).Get("code") == "" {
		t.Error("session lost")
	}
}

// 12. max_age must be a number of seconds; prompt=consent and
// select_account are decided, not ignored.
func TestPromptAndMaxAgeDecided(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedInBrowser(t)
	for _, ma := range []string{"abc", "-1", "1.5"} {
		q := authQuery()
		q.Set("max_age", ma)
		resp, _ := b.follow(e.iss + "/oauth2/auth?" + q.Encode())
		if got := redirectQuery(t, resp).Get("error"); got != "invalid_request" {
			t.Errorf("max_age=%s: %q", ma, got)
		}
	}
	q := authQuery()
	q.Set("prompt", "consent")
	resp, _ := b.follow(e.iss + "/oauth2/auth?" + q.Encode())
	if redirectQuery(t, resp).Get("code") == "" || !strings.Contains(e.logs.String(), "prompt=consent answered without a consent screen") {
		t.Error("prompt=consent: no code, or not logged")
	}
	q.Set("prompt", "select_account")
	resp, body := b.follow(e.iss + "/oauth2/auth?" + q.Encode())
	if resp.StatusCode != 200 || !strings.Contains(body, `name="password"`) {
		t.Errorf("prompt=select_account: want the sign-in page, got %d", resp.StatusCode)
	}
}

// 13. The logout page speaks the relying party's ui_locales; RFC 8414
// metadata is served.
func TestLogoutUILocalesAndOAuthMetadata(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedInBrowser(t)
	_, body := b.follow(e.iss + "/oauth2/logout?ui_locales=en-GB")
	if !strings.Contains(body, `lang="en"`) || !strings.Contains(body, "Sign out") {
		t.Errorf("logout page not in English")
	}
	resp, err := http.Get(e.iss + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	_ = jsonDecode(resp, &doc)
	resp.Body.Close()
	if doc["issuer"] != e.iss || doc["token_endpoint"] != e.iss+"/oauth2/token" {
		t.Errorf("RFC 8414 metadata: %v", doc["issuer"])
	}
}

// 14. PKCE is required of confidential clients too, unless opted out.
func TestPKCERequiredByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients, provider.ClientConfig{ID: "legacy", Secret: rpSecret, RedirectURIs: []string{rpRedirect}, PKCEOptional: true})
	})
	if !strings.Contains(e.logs.String(), "PKCE is optional for this client") {
		t.Error("the opt-out is not logged at start")
	}
	b := e.signedInBrowser(t)
	for _, tc := range []struct {
		client, want string
	}{{"pjweb", "invalid_request"}, {"legacy", ""}} {
		q := authQuery()
		q.Set("client_id", tc.client)
		q.Del("code_challenge")
		q.Del("code_challenge_method")
		resp, _ := b.follow(e.iss + "/oauth2/auth?" + q.Encode())
		if got := redirectQuery(t, resp).Get("error"); got != tc.want {
			t.Errorf("%s without PKCE: error %q, want %q", tc.client, got, tc.want)
		}
	}
}

// 15. A relying party's server logs its user out with id_token_hint and
// no cookie: the session ends, and is announced by back-channel.
func TestLogoutByHintWithoutCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b, tok := e.signInTokens(t)
	q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {"http://127.0.0.1:9/bye"}}
	server := e.browser() // no cookie
	resp, _ := server.follow(e.iss + "/oauth2/logout?" + q.Encode())
	if resp.Header.Get("Location") != "http://127.0.0.1:9/bye" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	select {
	case <-e.rpHits:
	case <-time.After(5 * time.Second):
		t.Error("no back-channel logout")
	}
	resp, _ = b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("prompt", "none")))
	if redirectQuery(t, resp).Get("error") != "login_required" {
		t.Error("the browser's session survived")
	}
}

// 16. The first mistakes an administrator makes are in the log.
func TestMisconfiguredClientLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	q := authQuery()
	q.Set("client_id", "pj-web")
	b.follow(e.iss + "/oauth2/auth?" + q.Encode())
	q = authQuery()
	q.Set("redirect_uri", "http://127.0.0.1:9/callbak")
	_, body := b.follow(e.iss + "/oauth2/auth?" + q.Encode())
	e.tokenCall(url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, "pjweb", "wrong")
	logs := e.logs.String()
	for _, want := range []string{
		`"msg":"authorization request for an unknown client","client":"pj-web"`,
		`"redirect_uri":"http://127.0.0.1:9/callbak","nearest_registered":"` + rpRedirect + `"`,
		`"msg":"token refused","client":"pjweb"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	if strings.Contains(body, rpRedirect) {
		t.Error("the registered URI is shown to the browser")
	}
	if !strings.Contains(logs, `"level":"WARN","msg":"authorization request with an unregistered redirect_uri"`) {
		t.Error("redirect mismatch not at warn")
	}
}

// 17. grant_types is honoured: a service client gets tokens by client
// credentials, an API introspects them, and they describe no user.
func TestClientCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients,
			provider.ClientConfig{ID: "ent-batch", Secret: rpSecret, GrantTypes: []string{"client_credentials"}, Scopes: []string{"profile"}},
			provider.ClientConfig{ID: "api", Secret: rpSecret, GrantTypes: []string{"client_credentials"}, ResourceServer: true})
	})
	cc := clientcredentials.Config{ClientID: "ent-batch", ClientSecret: rpSecret, TokenURL: e.iss + "/oauth2/token", Scopes: []string{"profile"}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" || tok.Extra("id_token") != nil {
		t.Error("client credentials issued a refresh or ID token")
	}
	for _, tc := range []struct {
		caller string
		active bool
	}{{"api", true}, {"pjweb", false}, {"ent-batch", true}} {
		if out := e.introspectAs(tc.caller, tok.AccessToken); out["active"] != tc.active || (tc.active && out["client_id"] != "ent-batch") {
			t.Errorf("introspected by %s: %v", tc.caller, out)
		}
	}
	if e.userinfoStatus(tok.AccessToken) != http.StatusUnauthorized {
		t.Error("userinfo answered for a token without a user")
	}
	// The browser grants are not the service's.
	q := authQuery()
	q.Set("client_id", "ent-batch")
	resp, _ := e.browser().follow(e.iss + "/oauth2/auth?" + q.Encode())
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("service client in a browser: %d", resp.StatusCode)
	}
	// An unregistered grant stays refused.
	if _, err := (&clientcredentials.Config{ClientID: "pjweb", ClientSecret: rpSecret, TokenURL: cc.TokenURL}).Token(context.Background()); err == nil {
		t.Error("pjweb got client credentials tokens")
	}
}

// 18. Logins in another case are the same login; a bare student number
// is told the form of a login, and does not count against the account.
func TestSignInLoginForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	attempt := func(login, password string) (int, string) {
		b := e.browser()
		resp, body := b.follow(r.authURL(oauth2.GenerateVerifier()))
		form := url.Values{"csrf": {hidden(body, "csrf")}, "id": {hidden(body, "id")}, "login": {login}, "password": {password}}
		resp, body = b.post(action(resp, body), form)
		return resp.StatusCode, body
	}
	for range 5 { // more than the account's limit (burst 3)
		if st, body := attempt("22012345", "whatever"); st != http.StatusBadRequest || !strings.Contains(body, "22012345T") {
			t.Fatalf("bare number: %d", st)
		}
	}
	if st, body := attempt("", "x"); st != http.StatusBadRequest || !strings.Contains(body, "Saisissez votre identifiant") {
		t.Errorf("empty login: %d", st)
	}
	if st, _ := attempt("22012345t", testPassword); st != http.StatusSeeOther {
		t.Errorf("lower-case login: %d (the bare-number tries must not have locked it)", st)
	}
}

// A 1 MB sign-in POST is refused as too large, not as an expired session
// (issue 10, point 10).
func TestSignInOversizedForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	resp, body := b.follow(e.rp().authURL(oauth2.GenerateVerifier()))
	form := url.Values{"csrf": {hidden(body, "csrf")}, "id": {hidden(body, "id")}, "login": {testLogin}, "password": {strings.Repeat("x", 1<<20)}}
	resp, body = b.post(action(resp, body), form)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "trop volumineux") || strings.Contains(body, "expiré") {
		t.Errorf("%d", resp.StatusCode)
	}
}
