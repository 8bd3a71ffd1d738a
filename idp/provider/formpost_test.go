package provider_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// Explicit response modes: fosite refuses any response_mode a client does
// not list, so Seuil's clients list what discovery advertises.
func TestResponseModes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	b.login(r.authURL(oauth2.GenerateVerifier()), testPassword)
	mode := func(m string) oauth2.AuthCodeOption { return oauth2.SetAuthURLParam("response_mode", m) }

	resp, _ := b.follow(r.authURL(oauth2.GenerateVerifier(), mode("query")))
	code(t, resp)

	// Refused in the mode asked for: the error travels in the fragment.
	resp, _ = b.follow(r.authURL(oauth2.GenerateVerifier(), mode("fragment")))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if f, _ := url.ParseQuery(loc.Fragment); f.Get("error") != "unsupported_response_mode" || loc.Query().Has("code") {
		t.Errorf("fragment: %d %s", resp.StatusCode, loc)
	}
	resp, body := b.follow(r.authURL(oauth2.GenerateVerifier(), mode("form_post")))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("form_post: status %d", resp.StatusCode)
	}
	if hidden(body, "code") == "" || hidden(body, "state") != "st-xyz-123" {
		t.Errorf("form_post: no code or state in\n%s", body)
	}
	if !strings.Contains(body, `action="`+rpRedirect+`"`) || !strings.Contains(body, `type="submit"`) {
		t.Errorf("form_post: form does not post to the redirect URI with a button:\n%s", body)
	}
}

// The form_post page must work under the provider's CSP: no inline script
// or event handler, and a same-origin script that submits the form.
func TestFormPostUnderCSP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.rp()
	b := e.browser()
	// An error (login_required) is posted the same way as a code.
	resp, body := b.follow(r.authURL(oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("response_mode", "form_post"),
		oauth2.SetAuthURLParam("prompt", "none")))
	if hidden(body, "error") != "login_required" {
		t.Fatalf("form_post error page: %d\n%s", resp.StatusCode, body)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP = %q", csp)
	}
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, ` src="`) {
			t.Errorf("inline script %s", tag)
		}
	}
	if regexp.MustCompile(`(?i)\son[a-z]+=`).MatchString(body) {
		t.Errorf("inline event handler:\n%s", body)
	}
	m := regexp.MustCompile(`<script src="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no script:\n%s", body)
	}
	src, _ := url.Parse(e.iss)
	src, _ = src.Parse(m[1])
	if !strings.HasPrefix(src.String(), e.iss+"/") {
		t.Errorf("script %s is not the provider's", src)
	}
	js, err := http.Get(src.String())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(js.Body)
	js.Body.Close()
	if js.StatusCode != 200 || !strings.Contains(js.Header.Get("Content-Type"), "javascript") ||
		!strings.Contains(string(raw), `getElementById("seuil-form-post").submit()`) || !strings.Contains(body, `id="seuil-form-post"`) {
		t.Errorf("script %s: %d %q %q", src, js.StatusCode, js.Header.Get("Content-Type"), raw)
	}
}

// A failed client authentication at the introspection endpoint is RFC
// 6749's invalid_client with 401 (RFC 7662 2.3), for every cause.
func TestIntrospectionInvalidClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name string
		set  func(*http.Request, url.Values)
	}{
		{"wrong secret", func(r *http.Request, _ url.Values) { r.SetBasicAuth("pjweb", "not-the-secret") }},
		{"public client", func(_ *http.Request, f url.Values) { f.Set("client_id", "mobile") }},
		{"no credentials", func(*http.Request, url.Values) {}},
	}
	for _, c := range cases {
		form := url.Values{"token": {"some-token"}}
		req, _ := http.NewRequest("POST", e.iss+"/oauth2/introspect", nil)
		c.set(req, form)
		req.Body = io.NopCloser(strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		_ = jsonDecode(resp, &out)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || out["error"] != "invalid_client" {
			t.Errorf("%s: %d %v", c.name, resp.StatusCode, out)
		}
	}
}
