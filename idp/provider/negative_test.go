package provider_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/provider/keys"
)

// authQuery is a valid authorization request for pjweb, to spoil.
func authQuery() url.Values {
	sum := sha256.Sum256([]byte("verifier-verifier-verifier-verifier-verifier"))
	return url.Values{
		"client_id": {"pjweb"}, "redirect_uri": {rpRedirect}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"st-xyz-123"}, "nonce": {"n-0S6_WzA2Mj"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.login(e.rp().authURL(oauth2.GenerateVerifier()), testPassword) // a session: errors are not about sign-in
	tests := []struct {
		name  string
		spoil func(q url.Values) string // returns the raw query
		page  bool                      // error page (no redirect) vs error redirect
		err   string
	}{
		{"unknown client", func(q url.Values) string { q.Set("client_id", "nope"); return q.Encode() }, true, ""},
		{"wrong redirect_uri", func(q url.Values) string { q.Set("redirect_uri", "http://127.0.0.1:9/callbackX"); return q.Encode() }, true, ""},
		{"missing redirect_uri", func(q url.Values) string { q.Del("redirect_uri"); return q.Encode() }, true, ""},
		{"duplicated client_id", func(q url.Values) string { return q.Encode() + "&client_id=pjweb" }, true, ""},
		{"duplicated parameter", func(q url.Values) string { return q.Encode() + "&scope=openid" }, false, "invalid_request"},
		{"oversized", func(q url.Values) string { q.Set("state", strings.Repeat("a", 5000)); return q.Encode() }, true, ""},
		{"plain PKCE", func(q url.Values) string { q.Set("code_challenge_method", "plain"); return q.Encode() }, false, "invalid_request"},
		{"implicit", func(q url.Values) string { q.Set("response_type", "id_token token"); return q.Encode() }, false, "unsupported_response_type"},
		{"public client without PKCE", func(q url.Values) string {
			q.Set("client_id", "mobile")
			q.Set("redirect_uri", "http://127.0.0.1:9/native")
			q.Del("code_challenge")
			q.Del("code_challenge_method")
			return q.Encode()
		}, false, "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.follow(e.iss + "/oauth2/auth?" + tc.spoil(authQuery()))
			if tc.page {
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, `role="alert"`) {
					t.Fatalf("want error page, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
				}
				return
			}
			if got := redirectQuery(t, resp).Get("error"); got != tc.err {
				t.Fatalf("error = %q, want %q", got, tc.err)
			}
		})
	}
}

func TestTokenRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	v := oauth2.GenerateVerifier()
	resp, _ := b.login(r.authURL(v), testPassword)
	c := code(t, resp)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {rpRedirect}, "code_verifier": {v}}
	spoiled := func(k, val string) url.Values {
		f := url.Values{}
		for kk, vv := range form {
			f[kk] = vv
		}
		if val == "" {
			f.Del(k)
		} else {
			f.Set(k, val)
		}
		return f
	}
	if st, out := e.tokenCall(form, "pjweb", "wrong-secret"); st != 401 || out["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", st, out)
	}
	if st, out := e.tokenCall(spoiled("code_verifier", ""), "pjweb", rpSecret); st != 400 || out["error"] != "invalid_grant" && out["error"] != "invalid_request" {
		t.Errorf("missing verifier: %d %v", st, out)
	}
	if st, out := e.tokenCall(spoiled("grant_type", "password"), "pjweb", rpSecret); st == 200 {
		t.Errorf("password grant accepted: %v", out)
	}
	// pjweb is registered for client_secret_basic: the secret in the body
	// is refused (TestAuthMethodEnforced has the other combinations).
	v = oauth2.GenerateVerifier()
	resp, _ = b.follow(r.authURL(v))
	form.Set("code", code(t, resp))
	form.Set("code_verifier", v)
	post := spoiled("client_id", "pjweb")
	post.Set("client_secret", rpSecret)
	if st, out := e.tokenCall(post, "", ""); st != 401 {
		t.Errorf("client_secret_post by a basic client: %d %v", st, out)
	}
}

func TestExpiredCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) { c.CodeTTL = time.Second })
	r := e.rp()
	v := oauth2.GenerateVerifier()
	resp, _ := e.browser().login(r.authURL(v), testPassword)
	c := code(t, resp)
	time.Sleep(1100 * time.Millisecond)
	if _, err := r.conf.Exchange(context.Background(), c, oauth2.VerifierOption(v)); err == nil {
		t.Fatal("expired code exchanged")
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	base := func() provider.Config {
		return provider.Config{Issuer: "https://idp.univ.fr/seuil", Secret: strings.Repeat("s", 32), Keys: provider.KeysConfig{Dir: t.TempDir(), Generate: true},
			Clients: []provider.ClientConfig{{ID: "a", Secret: "x", RedirectURIs: []string{"https://rp.univ.fr/cb"}}}}
	}
	tests := []struct {
		name   string
		spoil  func(*provider.Config)
		substr string
	}{
		{"http redirect", func(c *provider.Config) { c.Clients[0].RedirectURIs[0] = "http://rp.univ.fr/cb" }, "clients[0].redirect_uris[0]: must be an absolute https URL"},
		{"issuer", func(c *provider.Config) { c.Issuer = "idp.univ.fr" }, "issuer:"},
		{"secret", func(c *provider.Config) { c.Secret = "short" }, "secret: must be at least 32"},
		{"dup id", func(c *provider.Config) { c.Clients = append(c.Clients, c.Clients[0]) }, `clients[1].id: "a" is used by another client`},
		{"scope", func(c *provider.Config) { c.Clients[0].Scopes = []string{"openid", "admin"} }, `clients[0].scopes[1]: unknown scope "admin"`},
		{"alg", func(c *provider.Config) { c.Clients[0].SigningAlg = "HS256" }, "clients[0].id_token_signed_response_alg"},
		{"claims", func(c *provider.Config) { c.Clients[0].Claims = map[string]string{"x": "password"} }, "clients[0].claims.x: unknown account field"},
		{"no RS256 key for the default", func(c *provider.Config) {
			dir := t.TempDir()
			if err := keys.Generate(filepath.Join(dir, "es.pem"), "ES256"); err != nil {
				t.Fatal(err)
			}
			c.Keys = provider.KeysConfig{Dir: dir}
		}, "ID tokens are signed RS256 unless id_token_signed_response_alg"},
		{"auth method", func(c *provider.Config) { c.Clients[0].TokenEndpointAuthMethod = "client_secret_jwt" }, "clients[0].token_endpoint_auth_method"},
		{"public with basic", func(c *provider.Config) {
			c.Clients[0].Secret, c.Clients[0].Public, c.Clients[0].TokenEndpointAuthMethod = "", true, "client_secret_basic"
		}, "clients[0].token_endpoint_auth_method"},
		{"jwt without keys", func(c *provider.Config) {
			c.Clients[0].Secret, c.Clients[0].TokenEndpointAuthMethod = "", "private_key_jwt"
		}, "clients[0].jwks: private_key_jwt needs"},
		{"jwt with secret", func(c *provider.Config) {
			c.Clients[0].TokenEndpointAuthMethod, c.Clients[0].JWKSURI = "private_key_jwt", "https://rp.univ.fr/jwks"
		}, "clients[0].secret: a private_key_jwt client has no secret"},
		{"private jwk", func(c *provider.Config) {
			c.Clients[0].Secret, c.Clients[0].TokenEndpointAuthMethod = "", "private_key_jwt"
			c.Clients[0].JWKS = `{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}]}`
		}, "is a private key"},
		{"jwks_uri http", func(c *provider.Config) {
			c.Clients[0].Secret, c.Clients[0].TokenEndpointAuthMethod, c.Clients[0].JWKSURI = "", "private_key_jwt", "http://rp.univ.fr/jwks"
		}, "clients[0].jwks_uri[0]"},
		{"keys for a secret client", func(c *provider.Config) { c.Clients[0].JWKSURI = "https://rp.univ.fr/jwks" }, "keys are for token_endpoint_auth_method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.spoil(&c)
			_, err := provider.New(c, provider.Deps{Store: nil})
			if err == nil || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("err = %v, want %q", err, tc.substr)
			}
		})
	}
}
