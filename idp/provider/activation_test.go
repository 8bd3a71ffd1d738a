package provider_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/themes"
)

type oneStudent students.Record

func (s oneStudent) Lookup(_ context.Context, id string) (students.Record, error) {
	if id == s.StudentID {
		return students.Record(s), nil
	}
	return students.Record{}, students.ErrNotFound
}

var (
	csrfField    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	versionField = regexp.MustCompile(`name="version" value="([0-9]+)"`)
	continueHref = regexp.MustCompile(`href="(/seuil/oauth2/auth/resume\?id=[^"]+)"`)
)

// prompt=create with the real activation flow: PJ Web asks for a
// registration, the student activates the account (identify, code by SMS,
// password), the flow starts the SSO session, and the original
// authorization completes with a code for the new account.
func TestPromptCreateThroughActivation(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	store := state.New(rdb, "act:")
	dir, err := embedded.Open(filepath.Join(t.TempDir(), "dir.json"), embedded.Options{Argon2: embedded.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := regulation.New(rdb, "act:", nil, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nil)
	t.Cleanup(srv.Close)
	th, _ := themes.Default()
	quiet := slog.New(slog.DiscardHandler)
	p, err := provider.New(provider.Config{
		Issuer: srv.URL + "/seuil", Secret: strings.Repeat("s", 32), Keys: provider.KeysConfig{Dir: t.TempDir(), Generate: true},
		Clients: []provider.ClientConfig{{ID: "pjweb", Secret: rpSecret, RedirectURIs: []string{rpRedirect}}},
	}, provider.Deps{Store: store, Directory: dir, Theme: th, Limiter: reg, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	box := notify.NewOutbox(16)
	student := students.Record{StudentID: "22099999", INE: "123456789AB", FirstName: "Yanis", LastName: "Benali",
		Mobile: "+33788102599", Email: "yanis@example.org", BirthDate: time.Date(2006, 5, 2, 0, 0, 0, 0, time.UTC)}
	fl, err := flows.New(flows.Config{BasePath: "/seuil"}, flows.Deps{Store: store, Regulator: reg, Directory: dir,
		Students: oneStudent(student), SMS: box, Mail: box, Sessions: p.Sessions(), Landing: p, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ph := p.Handler()
	srv.Config.Handler = http.StripPrefix("/seuil", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, f := range []string{"/activation", "/reset", "/expired"} {
			if r.URL.Path == f || strings.HasPrefix(r.URL.Path, f+"/") {
				fl.ServeHTTP(w, r)
				return
			}
		}
		ph.ServeHTTP(w, r)
	}))

	ctx := context.Background()
	op, err := oidc.NewProvider(ctx, srv.URL+"/seuil")
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: "pjweb", ClientSecret: rpSecret, Endpoint: op.Endpoint(), RedirectURL: rpRedirect, Scopes: []string{"openid", "profile"}}
	v := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st-xyz-123", oauth2.S256ChallengeOption(v), oidc.Nonce("n-0S6_WzA2Mj"), oauth2.SetAuthURLParam("prompt", "create"))

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var csrf, version string
	// do sends a request, follows same-site redirects, and keeps the
	// form tokens of the last page.
	do := func(method, u string, form url.Values) (*http.Response, string) {
		t.Helper()
		for range 8 {
			var resp *http.Response
			var err error
			if method == "POST" {
				resp, err = c.PostForm(u, form)
			} else {
				resp, err = c.Get(u)
			}
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := html.UnescapeString(string(raw))
			if m := csrfField.FindStringSubmatch(body); m != nil {
				csrf = m[1]
			}
			if m := versionField.FindStringSubmatch(body); m != nil {
				version = m[1]
			}
			loc := resp.Header.Get("Location")
			if resp.StatusCode/100 != 3 || strings.HasPrefix(loc, "http://127.0.0.1:9/") {
				return resp, body
			}
			next, _ := resp.Request.URL.Parse(loc)
			method, u = "GET", next.String()
		}
		t.Fatal("redirect loop")
		return nil, ""
	}
	step := func(name string, form url.Values) string {
		t.Helper()
		form.Set("csrf", csrf)
		form.Set("version", version)
		form.Set("step", name)
		resp, body := do("POST", srv.URL+"/seuil/activation/"+name, form)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", name, resp.StatusCode, body)
		}
		return body
	}

	resp, body := do("GET", authURL, nil)
	if !strings.Contains(resp.Request.URL.Path, "/seuil/activation/identify") {
		t.Fatalf("prompt=create landed on %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	step("identify", url.Values{"student_id": {"22099999"}, "ine": {"123456789AB"}, "phone": {"07 88 10 25 99"}})
	code, ok := box.LastCode("+33788102599")
	if !ok {
		t.Fatal("no code sent")
	}
	step("verify", url.Values{"code": {code}})
	body = step("password", url.Values{"password": {"correct-Cheval-9-agrafe"}, "confirm": {"correct-Cheval-9-agrafe"}})
	m := continueHref.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("done page has no link back to the authorization:\n%s", body)
	}
	resp, _ = do("GET", srv.URL+m[1], nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("code") == "" || loc.Query().Get("state") != "st-xyz-123" {
		t.Fatalf("resume: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := op.Verifier(&oidc.Config{ClientID: "pjweb"}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Login string   `json:"preferred_username"`
		AMR   []string `json:"amr"`
	}
	_ = idt.Claims(&claims)
	if claims.Login != "22099999T" || idt.Nonce != "n-0S6_WzA2Mj" || len(claims.AMR) == 0 {
		t.Fatalf("id token: %+v nonce %q", claims, idt.Nonce)
	}
}
