package provider_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/provider"
)

// signer signs client assertions for one client with one key.
type signer struct {
	id, kid string
	alg     jose.SignatureAlgorithm
	key     crypto.Signer
}

func (s signer) jwks(t *testing.T) string {
	t.Helper()
	raw, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: s.key.Public(), KeyID: s.kid, Algorithm: string(s.alg)}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// assertion signs an RFC 7523 client assertion for audience aud.
func (s signer) assertion(t *testing.T, aud, jti string, exp time.Duration) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: s.alg, Key: jose.JSONWebKey{Key: s.key, KeyID: s.kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	out, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: s.id, Subject: s.id, Audience: jwt.Audience{aud}, ID: jti,
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(exp))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// codeFor signs in through client id and returns a code and its verifier.
func (e *env) codeFor(t *testing.T, b *browser, id string) (string, string) {
	t.Helper()
	conf := oauth2.Config{ClientID: id, RedirectURL: rpRedirect, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: e.iss + "/oauth2/auth"}}
	v := oauth2.GenerateVerifier()
	resp, _ := b.follow(conf.AuthCodeURL("st-xyz-123", oauth2.S256ChallengeOption(v)))
	if resp.StatusCode == 200 {
		resp, _ = b.login(conf.AuthCodeURL("st-xyz-123", oauth2.S256ChallengeOption(v)), testPassword)
	}
	return code(t, resp), v
}

func exchangeForm(c, v string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {rpRedirect}, "code_verifier": {v}}
}

func withAssertion(f url.Values, a string) url.Values {
	f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	f.Set("client_assertion", a)
	return f
}

func TestPrivateKeyJWT(t *testing.T) {
	t.Parallel()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	inline := signer{id: "batch", kid: "r1", alg: jose.RS256, key: rsaKey}
	remote := signer{id: "ent", kid: "e1", alg: jose.ES256, key: ecKey}
	var fetches atomic.Int32
	jwksSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		_, _ = w.Write([]byte(remote.jwks(t)))
	}))
	t.Cleanup(jwksSrv.Close)
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients,
			provider.ClientConfig{ID: "batch", TokenEndpointAuthMethod: "private_key_jwt", JWKS: inline.jwks(t), RedirectURIs: []string{rpRedirect}},
			provider.ClientConfig{ID: "ent", TokenEndpointAuthMethod: "private_key_jwt", JWKSURI: jwksSrv.URL,
				TokenEndpointAuthSigningAlg: "ES256", RedirectURIs: []string{rpRedirect}})
	})
	aud := e.iss + "/oauth2/token"
	b := e.browser()

	c, v := e.codeFor(t, b, "batch")
	a := inline.assertion(t, aud, "jti-1", time.Minute)
	st, out := e.tokenCall(withAssertion(exchangeForm(c, v), a), "", "")
	if st != 200 || out["id_token"] == nil {
		t.Fatalf("inline jwks: %d %v", st, out)
	}
	// Introspection knows the caller from its assertion: its own token.
	intro := withAssertion(url.Values{"token": {out["access_token"].(string)}}, inline.assertion(t, aud, "jti-i", time.Minute))
	resp, err := http.PostForm(e.iss+"/oauth2/introspect", intro)
	if err != nil {
		t.Fatal(err)
	}
	var ir struct{ Active bool }
	_ = jsonDecode(resp, &ir)
	resp.Body.Close()
	if !ir.Active {
		t.Error("a private_key_jwt client cannot introspect its own token")
	}
	// A bearer access token is no client authentication.
	req, _ := http.NewRequest("POST", e.iss+"/oauth2/introspect", strings.NewReader(url.Values{"token": {"another-token"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+out["access_token"].(string))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("introspection with a bearer token: %v %v", resp.StatusCode, err)
	}
	c, v = e.codeFor(t, b, "batch")
	if st, out := e.tokenCall(withAssertion(exchangeForm(c, v), a), "", ""); st == 200 || out["error"] != "jti_known" {
		t.Errorf("replayed assertion: %d %v", st, out)
	}
	stranger := signer{id: "batch", kid: "r1", alg: jose.RS256, key: mustRSA(t)}
	refusals := map[string]string{
		"other key":      stranger.assertion(t, aud, "jti-2", time.Minute),
		"other audience": inline.assertion(t, e.iss+"/elsewhere", "jti-3", time.Minute),
		"expired":        inline.assertion(t, aud, "jti-4", -time.Minute),
		"far exp":        inline.assertion(t, aud, "jti-5", 2*time.Hour),
		"wrong alg":      signer{id: "batch", kid: "r1", alg: jose.PS256, key: rsaKey}.assertion(t, aud, "jti-6", time.Minute),
	}
	for name, bad := range refusals {
		if st, out := e.tokenCall(withAssertion(exchangeForm(c, v), bad), "", ""); st != 401 || out["error"] != "invalid_client" {
			t.Errorf("%s: %d %v", name, st, out)
		}
	}
	// The secret methods are refused to a private_key_jwt client.
	if st, out := e.tokenCall(exchangeForm(c, v), "batch", "anything"); st != 401 {
		t.Errorf("basic for a private_key_jwt client: %d %v", st, out)
	}

	// jwks_uri: fetched once, then cached.
	for i := range 2 {
		c, v := e.codeFor(t, b, "ent")
		a := remote.assertion(t, aud, "ent-"+string(rune('a'+i)), time.Minute)
		if st, out := e.tokenCall(withAssertion(exchangeForm(c, v), a), "", ""); st != 200 {
			t.Fatalf("jwks_uri: %d %v", st, out)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("jwks_uri fetched %d times, want 1", n)
	}
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Each client authenticates by its registered method only.
func TestAuthMethodEnforced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients, provider.ClientConfig{ID: "poster", Secret: rpSecret,
			TokenEndpointAuthMethod: "client_secret_post", RedirectURIs: []string{rpRedirect}})
	})
	b := e.browser()
	post := func(id string, f url.Values) url.Values {
		f.Set("client_id", id)
		f.Set("client_secret", rpSecret)
		return f
	}
	c, v := e.codeFor(t, b, "pjweb")
	if st, out := e.tokenCall(post("pjweb", exchangeForm(c, v)), "", ""); st != 401 || out["error"] != "invalid_client" {
		t.Errorf("client_secret_post by a basic client: %d %v", st, out)
	}
	c, v = e.codeFor(t, b, "poster")
	if st, out := e.tokenCall(exchangeForm(c, v), "poster", rpSecret); st != 401 || out["error"] != "invalid_client" {
		t.Errorf("client_secret_basic by a post client: %d %v", st, out)
	}
	if st, out := e.tokenCall(post("poster", exchangeForm(c, v)), "", ""); st != 200 {
		t.Errorf("client_secret_post by a post client: %d %v", st, out)
	}
	resp, err := http.Get(e.iss + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Methods []string `json:"token_endpoint_auth_methods_supported"`
		Algs    []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	}
	_ = jsonDecode(resp, &doc)
	if len(doc.Methods) != 4 || doc.Methods[2] != "private_key_jwt" || len(doc.Algs) == 0 {
		t.Errorf("discovery: %+v", doc)
	}
}

// A client configured with a bcrypt hash of its secret (secret_hash)
// authenticates with the secret, and not with another; a refused
// authentication does not spend the code, which is read only once the
// client is known.
func TestHashedClientSecret(t *testing.T) {
	t.Parallel()
	const secret = "hashed-client-secret-0123456789"
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *provider.Config) {
		c.Clients = append(c.Clients, provider.ClientConfig{ID: "hashed", Secret: string(hash), RedirectURIs: []string{rpRedirect}})
	})
	b := e.browser()
	c, v := e.codeFor(t, b, "hashed")
	for _, tc := range []struct {
		secret string
		status int
	}{{"hashed-client-secret-012345678", 401}, {string(hash), 401}, {secret, 200}} {
		if st, out := e.tokenCall(exchangeForm(c, v), "hashed", tc.secret); st != tc.status {
			t.Errorf("secret %q: %d %v, want %d", tc.secret, st, out, tc.status)
		}
	}
	c, v = e.codeFor(t, b, "hashed")
	if st, out := e.tokenCall(exchangeForm(c, v), "hashed", secret); st != 200 {
		t.Errorf("second exchange, the secret known: %d %v", st, out)
	}
}
