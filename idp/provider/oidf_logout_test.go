package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/seuil-idp/seuil/idp/provider"
)

// The Config OP, RP-Initiated Logout OP and Back-Channel Logout OP plans,
// module by module (see oidf_test.go).

func TestConfigOP(t *testing.T) {
	t.Parallel()
	o := newOIDF(t)
	t.Run("oidcc-discovery-endpoint-verification", func(t *testing.T) {
		o.t = t
		doc := o.discovery()
		if doc["issuer"] != o.iss {
			t.Errorf("issuer %v, fetched from %s", doc["issuer"], o.iss)
		}
		// The endpoints are all the issuer's (https in production: the
		// configuration refuses an http issuer but for loopback).
		for _, k := range []string{"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint"} {
			if s, _ := doc[k].(string); !strings.HasPrefix(s, o.iss+"/") {
				t.Errorf("%s = %v", k, doc[k])
			}
		}
		has := func(k, v string) {
			list, _ := doc[k].([]any)
			for _, x := range list {
				if x == v {
					return
				}
			}
			t.Errorf("%s lacks %s: %v", k, v, list)
		}
		has("scopes_supported", "openid")
		has("response_types_supported", "code")
		has("subject_types_supported", "public")
		has("id_token_signing_alg_values_supported", "RS256")
		if _, ok := doc["claims_parameter_supported"].(bool); !ok {
			t.Error("claims_parameter_supported is not a boolean")
		}
		// ValidateServerJWKs: the keys verify the ID tokens issued.
		ks := oidc.NewRemoteKeySet(context.Background(), doc["jwks_uri"].(string))
		tok, _ := o.flow(nil)
		if _, err := ks.VerifySignature(context.Background(), tok["id_token"].(string)); err != nil {
			t.Errorf("JWKS: %v", err)
		}
	})
}

// withLogoutQuery registers a post-logout URI that has a query of its own.
func withLogoutQuery(c *provider.Config) {
	c.Clients[0].PostLogoutRedirectURIs = append(c.Clients[0].PostLogoutRedirectURIs, "http://127.0.0.1:9/bye?app=pj")
}

// logout sends the end-session request in the browser and returns the
// last response and body.
func (o *oidf) logout(q url.Values) (*http.Response, string) {
	return o.b.follow(o.iss + "/oauth2/logout?" + q.Encode())
}

// signedIn reports whether the browser's session lives (prompt=none).
func (o *oidf) signedIn() bool {
	o.t.Helper()
	return o.authorize(url.Values{"prompt": {"none"}}).Get("code") != ""
}

// errorPage asserts an error page: 400, no redirect.
func errorPage(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("want an error page, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestRPInitiatedLogoutOP(t *testing.T) {
	t.Parallel()
	o := newOIDF(t, withLogoutQuery)
	const bye = "http://127.0.0.1:9/bye"
	hint := func() string {
		tok, _ := o.flow(nil)
		return tok["id_token"].(string)
	}
	t.Run("oidcc-rp-initiated-logout-discovery-endpoint-verification", func(t *testing.T) {
		o.t = t
		if doc := o.discovery(); doc["end_session_endpoint"] != o.iss+"/oauth2/logout" {
			t.Errorf("end_session_endpoint %v", doc["end_session_endpoint"])
		}
	})
	t.Run("oidcc-rp-initiated-logout", func(t *testing.T) {
		o.t = t
		resp, _ := o.logout(url.Values{"id_token_hint": {hint()}, "post_logout_redirect_uri": {bye}, "state": {"s-1"}})
		if resp.Header.Get("Location") != bye+"?state=s-1" {
			t.Errorf("redirect %q", resp.Header.Get("Location"))
		}
		if o.signedIn() {
			t.Error("session survived")
		}
	})
	t.Run("oidcc-rp-initiated-logout-no-state", func(t *testing.T) {
		o.t = t
		resp, _ := o.logout(url.Values{"id_token_hint": {hint()}, "post_logout_redirect_uri": {bye}})
		if resp.Header.Get("Location") != bye {
			t.Errorf("redirect %q", resp.Header.Get("Location"))
		}
	})
	t.Run("oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri", func(t *testing.T) {
		o.t = t
		resp, _ := o.logout(url.Values{"id_token_hint": {hint()}, "post_logout_redirect_uri": {bye + "?app=pj"}, "state": {"s-2"}})
		u, _ := url.Parse(resp.Header.Get("Location"))
		if u == nil || u.Query().Get("app") != "pj" || u.Query().Get("state") != "s-2" {
			t.Errorf("redirect %q", resp.Header.Get("Location"))
		}
	})
	t.Run("oidcc-rp-initiated-logout-bad-post-logout-redirect-uri", func(t *testing.T) {
		o.t = t
		resp, _ := o.logout(url.Values{"id_token_hint": {hint()}, "post_logout_redirect_uri": {"https://attacker.example/bye"}})
		errorPage(t, resp)
	})
	t.Run("oidcc-rp-initiated-logout-modified-id-token-hint", func(t *testing.T) {
		o.t = t
		h := hint()
		parts := strings.Split(h, ".")
		parts[2] = strings.Repeat("A", len(parts[2]))
		resp, _ := o.logout(url.Values{"id_token_hint": {strings.Join(parts, ".")}, "post_logout_redirect_uri": {bye}})
		errorPage(t, resp)
		if !o.signedIn() {
			t.Error("a forged hint ended the session")
		}
	})
	t.Run("oidcc-rp-initiated-logout-bad-id-token-hint", func(t *testing.T) {
		o.t = t
		resp, _ := o.logout(url.Values{"id_token_hint": {"not-a-jwt"}, "post_logout_redirect_uri": {bye}})
		errorPage(t, resp)
	})
	for _, tc := range []struct {
		module string
		q      url.Values
	}{
		{"oidcc-rp-initiated-logout-no-id-token-hint", url.Values{"client_id": {"pjweb"}, "post_logout_redirect_uri": {bye}, "state": {"s"}}},
		{"oidcc-rp-initiated-logout-no-params", url.Values{}},
		{"oidcc-rp-initiated-logout-only-state", url.Values{"state": {"s"}}},
	} {
		t.Run(tc.module, func(t *testing.T) {
			// Without a hint the user confirms: no silent sign-out, no
			// redirect before the confirmation.
			o.t = t
			hint()
			resp, body := o.logout(tc.q)
			if resp.StatusCode != 200 || !strings.Contains(body, `name="csrf"`) {
				t.Fatalf("want the confirmation, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			form := url.Values{"csrf": {hidden(body, "csrf")}}
			for k := range tc.q {
				form.Set(k, tc.q.Get(k))
			}
			resp, _ = o.b.post(o.iss+"/oauth2/logout", form)
			want := ""
			if tc.q.Has("post_logout_redirect_uri") {
				want = bye + "?state=s"
			}
			if resp.Header.Get("Location") != want {
				t.Errorf("after confirming: %d %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
			}
			if o.signedIn() {
				t.Error("session survived the confirmation")
			}
		})
	}
	t.Run("oidcc-rp-initiated-logout-no-post-logout-redirect-uri", func(t *testing.T) {
		o.t = t
		resp, body := o.logout(url.Values{"id_token_hint": {hint()}})
		if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || strings.Contains(body, `name="csrf"`) {
			t.Errorf("want the signed-out page, got %d", resp.StatusCode)
		}
		if o.signedIn() {
			t.Error("session survived")
		}
	})
}

func TestBackChannelLogoutOP(t *testing.T) {
	t.Parallel()
	o := newOIDF(t)
	t.Run("oidcc-backchannel-logout-discovery-endpoint-verification", func(t *testing.T) {
		o.t = t
		doc := o.discovery()
		if doc["backchannel_logout_supported"] != true || doc["backchannel_logout_session_supported"] != true {
			t.Errorf("backchannel_logout_supported %v, _session_supported %v", doc["backchannel_logout_supported"], doc["backchannel_logout_session_supported"])
		}
	})
	t.Run("oidcc-backchannel-rp-initiated-logout", func(t *testing.T) {
		o.t = t
		tok, c := o.flow(nil)
		resp, _ := o.logout(url.Values{"id_token_hint": {tok["id_token"].(string)}, "post_logout_redirect_uri": {"http://127.0.0.1:9/bye"}})
		if resp.Header.Get("Location") != "http://127.0.0.1:9/bye" {
			t.Errorf("redirect %q", resp.Header.Get("Location"))
		}
		var lt string
		select {
		case lt = <-o.rpHits:
		case <-time.After(5 * time.Second):
			t.Fatal("no logout token")
		}
		h := jwtHeader(t, lt)
		if h["typ"] != "logout+jwt" || h["alg"] != "RS256" {
			t.Errorf("logout token header %v", h)
		}
		v := o.rp.oidc.Verifier(&oidc.Config{ClientID: "pjweb"})
		ltok, err := v.Verify(context.Background(), lt)
		if err != nil {
			t.Fatal(err)
		}
		var lc map[string]any
		_ = ltok.Claims(&lc)
		ev, _ := lc["events"].(map[string]any)
		if _, ok := ev["http://schemas.openid.net/event/backchannel-logout"]; !ok || lc["sid"] != c["sid"] || lc["sub"] != c["sub"] ||
			lc["jti"] == nil || lc["iat"] == nil || lc["nonce"] != nil {
			t.Errorf("logout token claims %v", lc)
		}
		if o.signedIn() {
			t.Error("session survived")
		}
	})
}
