package provider_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func TestCodeFlowWithPKCE(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	verifier := oauth2.GenerateVerifier()
	resp, _ := b.login(r.authURL(verifier), testPassword)
	ctx := context.Background()
	tok, err := r.conf.Exchange(ctx, code(t, resp), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	acct, _ := e.dir.FindByLogin(ctx, testLogin)
	want := map[string]any{
		"sub": acct.Subject, "preferred_username": testLogin, "given_name": "Camille", "family_name": "Martin",
		"name": "Camille Martin", "email": "camille@example.org", "nonce": "n-0S6_WzA2Mj",
		"supannEtuId": "22012345", "eduPersonAffiliation": "student",
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("id token %s = %v, want %v", k, c[k], v)
		}
	}
	if c["auth_time"] == nil || c["sid"] == nil || c["amr"] == nil {
		t.Errorf("id token lacks auth_time/sid/amr: %v", c)
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token with offline_access")
	}
	ui, err := r.oidc.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var uc map[string]any
	_ = ui.Claims(&uc)
	if ui.Subject != acct.Subject || uc["preferred_username"] != testLogin || uc["supannEtuId"] != "22012345" {
		t.Errorf("userinfo = %v", uc)
	}
}

func TestWrongPasswordIsGeneric(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	resp, body := b.login(r.authURL(oauth2.GenerateVerifier()), "wrong-password-1")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Identifiant ou mot de passe incorrect") {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Error("error not announced accessibly")
	}
}

func TestDiscoveryUnderPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := http.Get(e.iss + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
		"revocation_endpoint", "introspection_endpoint", "end_session_endpoint"} {
		u, _ := doc[k].(string)
		if !strings.HasPrefix(u, e.iss+"/") {
			t.Errorf("%s = %q, not under issuer %s", k, u, e.iss)
		}
		if k == "jwks_uri" {
			r, err := http.Get(u)
			if err != nil || r.StatusCode != 200 || r.Header.Get("Cache-Control") == "" {
				t.Errorf("jwks: %v %v", err, r)
			}
		}
	}
	if doc["issuer"] != e.iss {
		t.Errorf("issuer = %v", doc["issuer"])
	}
}

// The password is checked exactly as typed (ASVS 5.0 V6.2.8): neither
// trimmed nor case-folded nor cut, while the login is trimmed.
func TestPasswordVerifiedAsTyped(t *testing.T) {
	t.Parallel()
	// One environment each: wrong passwords in a row would reach the
	// per-account limit (429), which would prove nothing here.
	for _, pw := range []string{testPassword + " ", " " + testPassword, strings.ToUpper(testPassword), testPassword[:len(testPassword)-1], testPassword} {
		e := newEnv(t)
		resp, _ := e.browser().login(e.rp().authURL(oauth2.GenerateVerifier()), pw)
		if refused := resp.StatusCode == http.StatusUnauthorized; refused != (pw != testPassword) {
			t.Errorf("password %q answered %d", pw, resp.StatusCode)
		}
	}
}
