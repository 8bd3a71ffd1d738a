package demorp_test

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
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/idp/demorp"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/themes"
)

// demo runs Seuil (at the path prefix /seuil) and the demo PJ Web.
func demo(t *testing.T) (idp, rp *httptest.Server, p *provider.Provider) {
	t.Helper()
	dir, err := embedded.Open(filepath.Join(t.TempDir(), "d.json"), embedded.Options{Argon2: embedded.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := dir.Ensure(ctx, students.Record{StudentID: "22012345", FirstName: "Camille", LastName: "Martin"}, "22012345T"); err != nil {
		t.Fatal(err)
	}
	if err := dir.SetPassword(ctx, "22012345T", "Correct-Horse-7"); err != nil {
		t.Fatal(err)
	}
	idp = httptest.NewServer(nil)
	rp = httptest.NewServer(nil)
	t.Cleanup(idp.Close)
	t.Cleanup(rp.Close)
	th, _ := themes.Default()
	ep := demorp.EndpointsFor(rp.URL)
	p, err = provider.New(provider.Config{
		Issuer: idp.URL + "/seuil", Secret: strings.Repeat("x", 32), Keys: provider.KeysConfig{Dir: t.TempDir(), Generate: true},
		Clients: []provider.ClientConfig{{ID: "pjweb", Secret: "demo-secret-0123456789",
			RedirectURIs: []string{ep.RedirectURI}, PostLogoutRedirectURIs: []string{ep.PostLogoutRedirectURI},
			InitiateLoginURI: ep.InitiateLoginURI, BackchannelLogoutURI: ep.BackchannelLogoutURI}},
	}, provider.Deps{Store: state.New(redistest.Client(t), "demo:"), Directory: dir, Theme: th, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/seuil/", http.StripPrefix("/seuil", p.Handler()))
	idp.Config.Handler = mux
	h, err := demorp.New(demorp.Config{Issuer: idp.URL + "/seuil", ClientID: "pjweb", ClientSecret: "demo-secret-0123456789", BaseURL: rp.URL})
	if err != nil {
		t.Fatal(err)
	}
	rp.Config.Handler = h
	return idp, rp, p
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// signIn submits Seuil's sign-in page (resp, body) as the test student
// and returns where it lands, read whole.
func signIn(t *testing.T, c *http.Client, resp *http.Response, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.PostForm(formAction(t, resp, body), url.Values{"csrf": {field(body, "csrf")}, "id": {field(body, "id")},
		"login": {"22012345T"}, "password": {"Correct-Horse-7"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

// formAction is where the page's form posts: the sign-in page answers
// the authorization request itself, so its URL is not the form's.
func formAction(t *testing.T, resp *http.Response, body string) string {
	t.Helper()
	const open = `<form method="post" action="`
	i := strings.Index(body, open)
	if i < 0 {
		t.Fatalf("no form on %s", resp.Request.URL)
	}
	rest := body[i+len(open):]
	u, err := resp.Request.URL.Parse(html.UnescapeString(rest[:strings.Index(rest, `"`)]))
	if err != nil {
		t.Fatal(err)
	}
	return u.String()
}

func field(body, name string) string {
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return rest[:strings.Index(rest, `"`)]
}

func TestSignInShowsClaims(t *testing.T) {
	_, rp, _ := demo(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, body := get(t, c, rp.URL+"/")
	if !strings.Contains(body, "Se connecter") || !strings.Contains(body, "/login?create=1") {
		t.Fatal("home page lacks sign-in links")
	}
	resp, body := get(t, c, rp.URL+"/login")
	if !strings.Contains(body, `name="password"`) {
		t.Fatalf("not on Seuil's sign-in page: %s", resp.Request.URL)
	}
	resp, b := signIn(t, c, resp, body)
	if !strings.Contains(string(b), `<strong id="username">22012345T</strong>`) || !strings.Contains(string(b), "Camille Martin") {
		t.Fatalf("claims page: %d %s", resp.StatusCode, b)
	}
	// Logout: RP-initiated, back to the home page, signed out.
	_, body = get(t, c, rp.URL+"/logout")
	if !strings.Contains(body, "Se connecter") {
		t.Fatal("still signed in after logout")
	}
}

// Direct landing: Seuil has an SSO session and sends the browser to the
// initiate_login_uri, which signs in without a prompt.
func TestInitiateLogin(t *testing.T) {
	idp, rp, p := demo(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	// Sign in at Seuil first (as the activation flow would leave it).
	resp, body := get(t, c, idp.URL+"/seuil/login")
	if _, err := c.PostForm(resp.Request.URL.String(), url.Values{"csrf": {field(body, "csrf")}, "login": {"22012345T"}, "password": {"Correct-Horse-7"}}); err != nil {
		t.Fatal(err)
	}
	land, err := p.LandingURL(context.Background(), "pjweb", "22012345T")
	if err != nil {
		t.Fatal(err)
	}
	_, body = get(t, c, land)
	if !strings.Contains(body, `<strong id="username">22012345T</strong>`) {
		t.Fatalf("landing did not sign in: %s", body)
	}
	// Another issuer is refused.
	resp, _ = get(t, c, rp.URL+"/login/initiate?iss=https://evil.example")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("foreign iss: %d", resp.StatusCode)
	}
}

// The pages take their look from the relying party's own stylesheet, with
// no inline style or script, and a CSP that allows nothing else.
func TestPageStyle(t *testing.T) {
	_, rp, _ := demo(t)
	resp, body := get(t, http.DefaultClient, rp.URL+"/")
	for _, want := range []string{`<link rel="stylesheet" href="/static/pjweb.css">`, "PJ Web</strong> <span class=\"tag\">— dépôt des pièces justificatives (démonstration)",
		">Se connecter</a>", ">Créer mon compte</a>", ">Accueil</a>"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	for _, banned := range []string{"<style", "style=", "<script", "onclick"} {
		if strings.Contains(body, banned) {
			t.Errorf("home page has %q", banned)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	resp, css := get(t, http.DefaultClient, rp.URL+"/static/pjweb.css")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(css, ".button.primary") {
		t.Errorf("stylesheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// target_link_uri is honoured only for a path on the relying party's own
// site: "//evil.example/x" after the base URL is a path to Go's url
// package but a host to the browser.
func TestInitiateTargetStaysOnSite(t *testing.T) {
	idp, rp, _ := demo(t)
	jar, _ := cookiejar.New(nil)
	ours := func(u *url.URL) bool {
		return strings.HasPrefix(u.String(), idp.URL+"/") || strings.HasPrefix(u.String(), rp.URL+"/")
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if !ours(req.URL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, body := get(t, c, idp.URL+"/seuil/login")
	if _, err := c.PostForm(resp.Request.URL.String(), url.Values{"csrf": {field(body, "csrf")}, "login": {"22012345T"}, "password": {"Correct-Horse-7"}}); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{rp.URL + "//evil.example/x", rp.URL + "/\\evil.example/x", rp.URL + "/%2F%2Fevil.example/x"} {
		q := url.Values{"iss": {idp.URL + "/seuil"}, "target_link_uri": {target}}
		resp, _ = get(t, c, rp.URL+"/login/initiate?"+q.Encode())
		if loc, _ := resp.Request.URL.Parse(resp.Header.Get("Location")); resp.StatusCode/100 == 3 && !ours(loc) {
			t.Errorf("target %q: redirected off site to %s", target, loc)
		}
	}
}

// The demo PJ Web speaks English when asked, says what each claim is,
// and hands its language to Seuil, whose sign-in page then agrees.
func TestEnglishAndReadableClaims(t *testing.T) {
	_, rp, _ := demo(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, body := get(t, c, rp.URL+"/?lang=en")
	for _, want := range []string{`<html lang="en">`, ">Sign in</a>", ">Create my account</a>"} {
		if !strings.Contains(body, want) {
			t.Errorf("English home lacks %s", want)
		}
	}
	resp, body := get(t, c, rp.URL+"/login")
	if resp.Request.URL.Query().Get("lang") != "en" && !strings.Contains(body, `lang="en"`) {
		t.Fatalf("Seuil's sign-in page is not in English: %s", resp.Request.URL)
	}
	resp, b := signIn(t, c, resp, body)
	for _, want := range []string{"Signed in as", "Full name", `<code class="claim">name</code>`, "Login", "Detail"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("English claims page lacks %q", want)
		}
	}
}
