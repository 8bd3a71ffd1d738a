package provider_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/provider"
)

// Regression tests for issue 9's numbered points: what independent
// relying parties expect of an OpenID provider.

// jwtHeader decodes a JWT's header.
func jwtHeader(t *testing.T, raw string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	_ = json.Unmarshal(b, &h)
	return h
}

// signedInBrowser is a browser with an SSO session for the test account.
func (e *env) signedInBrowser(t *testing.T) *browser {
	t.Helper()
	b := e.browser()
	code(t, first(b.login(e.rp().authURL(oauth2.GenerateVerifier()), testPassword)))
	return b
}

func first(r *http.Response, _ string) *http.Response { return r }

// 1. ID tokens are RS256 unless the client registered another alg.
func TestRS256ByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients, provider.ClientConfig{ID: "ec", Secret: rpSecret, RedirectURIs: []string{rpRedirect}, SigningAlg: "ES256"})
	})
	r := e.rp()
	tok, _ := e.tokens(t, r)
	if alg := jwtHeader(t, tok.Extra("id_token").(string))["alg"]; alg != "RS256" {
		t.Errorf("default client's ID token alg = %v, want RS256", alg)
	}
	if _, err := r.verifier.Verify(context.Background(), tok.Extra("id_token").(string)); err != nil {
		t.Fatal(err) // go-oidc verifies RS256 against the JWKS
	}
	r.conf.ClientID = "ec"
	tok, _ = e.tokens(t, r)
	if alg := jwtHeader(t, tok.Extra("id_token").(string))["alg"]; alg != "ES256" {
		t.Errorf("ES256 client's ID token alg = %v", alg)
	}
}

// 2. Unknown or unallowed scopes are dropped, and the token response says
// what was granted.
func TestUnknownScopesDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedInBrowser(t)
	for _, tc := range []struct{ client, redirect, scope, granted string }{
		{"pjweb", rpRedirect, "openid groups profile phone", "openid profile"},
		{"mobile", "http://127.0.0.1:9/native", "openid offline_access email profile", "openid profile"},
	} {
		q := authQuery()
		q.Set("client_id", tc.client)
		q.Set("redirect_uri", tc.redirect)
		q.Set("scope", tc.scope)
		resp, _ := b.follow(e.iss + "/oauth2/auth?" + q.Encode())
		rq := redirectQuery(t, resp)
		if rq.Get("code") == "" {
			t.Fatalf("%s: %s", tc.client, rq.Get("error"))
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {rq.Get("code")}, "redirect_uri": {tc.redirect},
			"code_verifier": {"verifier-verifier-verifier-verifier-verifier"}, "client_id": {tc.client}}
		user, pass := "", ""
		if tc.client == "pjweb" {
			user, pass = "pjweb", rpSecret
			form.Del("client_id")
		}
		st, out := e.tokenCall(form, user, pass)
		if st != 200 || out["scope"] != tc.granted {
			t.Errorf("%s: %d scope = %v, want %q", tc.client, st, out["scope"], tc.granted)
		}
		if _, ok := out["refresh_token"]; ok && tc.client == "mobile" {
			t.Errorf("mobile got a refresh token without offline_access")
		}
	}
}

// 3. CORS for a public client's origin on the token endpoints, nothing
// wider.
func TestCORSForPublicClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		origin string
		ok     bool
	}{{"http://127.0.0.1:9", true}, {"https://evil.example", false}} {
		for _, path := range []string{"/oauth2/token", "/userinfo", "/oauth2/revoke", "/oauth2/introspect"} {
			req, _ := http.NewRequest(http.MethodOptions, e.iss+path, nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if tc.ok && (resp.StatusCode != 204 || got != tc.origin || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Content-Type")) {
				t.Errorf("preflight %s from %s: %d %q", path, tc.origin, resp.StatusCode, got)
			}
			if !tc.ok && (resp.StatusCode == 204 || got != "") {
				t.Errorf("preflight %s from %s allowed: %d %q", path, tc.origin, resp.StatusCode, got)
			}
		}
	}
	// The actual request carries the header too (the browser checks it).
	req, _ := http.NewRequest(http.MethodPost, e.iss+"/oauth2/token", strings.NewReader("grant_type=authorization_code"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://127.0.0.1:9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:9" {
		t.Errorf("token POST: no CORS header")
	}
}

// 4. state is optional (PKCE protects the code); a short one is fine.
func TestStateOptional(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedInBrowser(t)
	for _, st := range []string{"", "ab"} {
		q := authQuery()
		if st == "" {
			q.Del("state")
		} else {
			q.Set("state", st)
		}
		resp, _ := b.follow(e.iss + "/oauth2/auth?" + q.Encode())
		rq := redirectQuery(t, resp)
		if rq.Get("code") == "" || rq.Get("state") != st {
			t.Errorf("state %q: error %q, state back %q", st, rq.Get("error"), rq.Get("state"))
		}
	}
}

// 5, 6. Client authentication failures and unsupported grants.
func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	post := func(path string, form url.Values, basic bool) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("POST", e.iss+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth("pjweb", "wrong")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp, out
	}
	for _, path := range []string{"/oauth2/token", "/oauth2/revoke"} {
		resp, out := post(path, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "token": {"x"}}, true)
		if resp.StatusCode != 401 || out["error"] != "invalid_client" || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("%s wrong Basic secret: %d %v %q", path, resp.StatusCode, out["error"], resp.Header.Get("WWW-Authenticate"))
		}
	}
	for _, gt := range []string{"password", "urn:ietf:params:oauth:grant-type:device_code", "implicit"} {
		_, out := post("/oauth2/token", url.Values{"grant_type": {gt}, "client_id": {"pjweb"}, "client_secret": {rpSecret}}, false)
		if out["error"] != "unsupported_grant_type" {
			t.Errorf("grant %s: %v", gt, out["error"])
		}
	}
	resp, out := post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, false)
	if resp.StatusCode != 401 || out["error"] != "invalid_client" {
		t.Errorf("no client authentication: %d %v", resp.StatusCode, out["error"])
	}
	// client_credentials by a client not registered for it.
	st, o := e.tokenCall(url.Values{"grant_type": {"client_credentials"}}, "pjweb", rpSecret)
	if st != 400 || o["error"] != "unauthorized_client" {
		t.Errorf("client_credentials for pjweb: %d %v", st, o["error"])
	}
}

// 7. A refresh token's introspection reports its own expiry.
func TestIntrospectRefreshTokenExp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, _ := e.tokens(t, e.rp())
	for _, tc := range []struct {
		token string
		want  time.Duration
	}{{tok.AccessToken, e.cfg.AccessTokenTTL},
		// Its own lifetime, capped at the sign-in's end (the session's
		// absolute timeout): both 10 h by default.
		{tok.RefreshToken, 10 * time.Hour}} {
		out := e.introspectAs("pjweb", tc.token)
		if tc.want == 0 {
			tc.want = provider.DefaultAccessTokenTTL
		}
		exp, _ := out["exp"].(float64)
		left := time.Until(time.Unix(int64(exp), 0))
		if out["active"] != true || left < tc.want-time.Minute || left > tc.want+time.Minute {
			t.Errorf("exp in %v, want about %v", left, tc.want)
		}
	}
}

// 8. userinfo: no error code without a token, JSON errors, no-store.
func TestUserinfoErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct{ auth, challenge string }{
		{"", `Bearer realm="seuil"`},
		{"Bearer nope", `Bearer realm="seuil", error="invalid_token"`},
	} {
		req, _ := http.NewRequest("GET", e.iss+"/userinfo", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != tc.challenge || err != nil ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%q: %d %q %q %q", tc.auth, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
		}
	}
}

// 9. iss in authorization responses, codes and errors, query and form_post.
func TestIssInAuthorizationResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedInBrowser(t)
	resp, _ := b.follow(e.iss + "/oauth2/auth?" + authQuery().Encode())
	if q := redirectQuery(t, resp); q.Get("iss") != e.iss || q.Get("code") == "" {
		t.Errorf("code response iss = %q", q.Get("iss"))
	}
	q := authQuery()
	q.Set("response_type", "token")
	resp, _ = b.follow(e.iss + "/oauth2/auth?" + q.Encode())
	if q := redirectQuery(t, resp); q.Get("iss") != e.iss || q.Get("error") == "" {
		t.Errorf("error response iss = %q (%q)", q.Get("iss"), q.Get("error"))
	}
	q = authQuery()
	q.Set("response_mode", "form_post")
	_, body := b.follow(e.iss + "/oauth2/auth?" + q.Encode())
	if !strings.Contains(body, `name="iss" value="`+e.iss+`"`) {
		t.Errorf("form_post page lacks iss")
	}
}

// 10. Request objects and repeated parameters go back to a trusted
// redirect URI as OAuth errors.
func TestRefusalsAtRedirectURI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedInBrowser(t)
	for _, tc := range []struct {
		param, value, err string
	}{
		{"request", "eyJhbGciOiJub25lIn0.e30.", "request_not_supported"},
		{"request_uri", "https://rp.example/r/1", "request_uri_not_supported"},
		{"nonce", "again", "invalid_request"}, // repeated
	} {
		q := authQuery()
		q.Add(tc.param, tc.value)
		resp, _ := b.follow(e.iss + "/oauth2/auth?" + q.Encode())
		rq := redirectQuery(t, resp)
		if rq.Get("error") != tc.err || rq.Get("state") != "st-xyz-123" || rq.Get("iss") != e.iss {
			t.Errorf("%s: %v", tc.param, rq)
		}
	}
}

// 11. A native client's loopback redirect URI matches on any port; other
// clients' do not.
func TestNativeLoopbackAnyPort(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients, provider.ClientConfig{ID: "app", Public: true, Native: true, RedirectURIs: []string{"http://127.0.0.1/cb"}})
	})
	b := e.signedInBrowser(t)
	for _, tc := range []struct {
		client, uri string
		ok          bool
	}{
		{"app", "http://127.0.0.1:51004/cb", true},
		{"app", "http://127.0.0.1:51004/other", false},
		{"app", "http://localhost:51004/cb", false},
		{"mobile", "http://127.0.0.1:51004/native", false}, // not native
	} {
		q := authQuery()
		q.Set("client_id", tc.client)
		q.Set("redirect_uri", tc.uri)
		resp, err := b.c.Get(e.iss + "/oauth2/auth?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if tc.ok != (strings.HasPrefix(loc, tc.uri+"?") && strings.Contains(loc, "code=")) {
			t.Errorf("%s %s: %d %q", tc.client, tc.uri, resp.StatusCode, loc)
		}
		if !tc.ok && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s %s: want error page, got %d", tc.client, tc.uri, resp.StatusCode)
		}
	}
}
