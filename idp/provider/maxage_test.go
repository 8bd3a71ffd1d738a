package provider_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// max_age=0 asks for a new sign-in; once made, the request completes with
// a fresh auth_time (it used to loop back to the sign-in page).
func TestMaxAgeZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	b.login(r.authURL(oauth2.GenerateVerifier()), testPassword)
	v := oauth2.GenerateVerifier()
	zero := oauth2.SetAuthURLParam("max_age", "0")
	resp, body := b.follow(r.authURL(v, zero))
	if resp.StatusCode != 200 || !strings.Contains(body, `name="password"`) {
		t.Fatalf("max_age=0 with a session: want sign-in page, got %d", resp.StatusCode)
	}
	resp, _ = b.login(r.authURL(v, zero), testPassword)
	tok, err := r.conf.Exchange(context.Background(), code(t, resp), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := r.verifier.Verify(context.Background(), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AuthTime int64 `json:"auth_time"`
	}
	if err := idt.Claims(&c); err != nil || time.Since(time.Unix(c.AuthTime, 0)) > time.Minute {
		t.Errorf("auth_time = %d (%v)", c.AuthTime, err)
	}
}
