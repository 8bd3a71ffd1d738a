package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestSignInLimitPerAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	for i := range 3 {
		if resp, _ := b.login(r.authURL(oauth2.GenerateVerifier()), "wrong-password-1"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	// Even the right password is refused now, and the check comes first.
	resp, body := b.login(r.authURL(oauth2.GenerateVerifier()), testPassword)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Trop de tentatives") {
		t.Fatalf("after the limit: %d", resp.StatusCode)
	}
}

// A right but expired password hands the browser to the "expired" flow,
// to come back to the authorization.
func TestExpiredPasswordHandover(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.skew.Store(int64(400 * 24 * time.Hour))
	b := e.browser()
	resp, _ := b.login(e.rp().authURL(oauth2.GenerateVerifier()), testPassword)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Path != "/seuil/expired" {
		t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	h, err := e.store.TakeHandover(context.Background(), loc.Query().Get("handover"))
	if err != nil || h.Flow != "expired" || h.Login != testLogin || !strings.HasPrefix(h.Continue, "/seuil/oauth2/auth/resume?id=") {
		t.Fatalf("handover %+v %v", h, err)
	}
}

func TestSignInPageLinksToFlows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	resp, body := b.follow(e.rp().authURL(oauth2.GenerateVerifier()))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") || strings.Contains(body, "<style") {
		t.Error("inline script or style on the sign-in page")
	}
	for _, tc := range []struct{ link, flow string }{
		{"Première connexion ? Activez votre compte", "activation"}, {"Mot de passe oublié", "reset"},
	} {
		i := strings.Index(body, tc.link)
		if i < 0 {
			t.Fatalf("no link %q", tc.link)
		}
		start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
		href := strings.ReplaceAll(body[start:start+strings.Index(body[start:], `"`)], "&amp;", "&")
		resp, _ := b.follow(e.srv.URL + href)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc.Path != "/seuil/"+tc.flow {
			t.Fatalf("%s: redirect to %q", tc.flow, loc)
		}
		h, err := e.store.TakeHandover(context.Background(), loc.Query().Get("handover"))
		if err != nil || h.Flow != tc.flow || h.ClientID != "pjweb" || !strings.HasPrefix(h.Continue, "/seuil/oauth2/auth/resume?id=") {
			t.Fatalf("%s: handover %+v %v", tc.flow, h, err)
		}
	}
	// English.
	_, body = b.follow(e.iss + "/login?lang=en")
	if !strings.Contains(body, "Forgot your password") || !strings.Contains(body, `lang="en"`) {
		t.Error("no English page")
	}
}

func TestUILocales(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, body := e.browser().follow(e.rp().authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("ui_locales", "en-GB fr")))
	if !strings.Contains(body, `lang="en"`) || !strings.Contains(body, "Sign in") {
		t.Fatal("ui_locales=en ignored")
	}
}
