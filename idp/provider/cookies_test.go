package provider_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/seuil-idp/seuil/idp/provider"
)

// server.cookie_secure governs the provider's cookies too (issue 10,
// point 6): they used to follow the issuer's scheme alone.
func TestProviderCookiesFollowConfiguration(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) { c.Session.Cookies.Secure = true })
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The authorization request is answered with the sign-in page.
	resp, err := c.Get(e.rp().authURL(oauth2.GenerateVerifier()))
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(resp)
	var csrf string
	for _, sc := range resp.Header.Values("Set-Cookie") {
		if strings.Contains(sc, "seuil_login_csrf=") {
			csrf = sc
		}
	}
	if !strings.HasPrefix(csrf, "__Host-seuil_login_csrf=") || !strings.Contains(csrf, "Secure") {
		t.Fatalf("sign-in CSRF cookie: %q", csrf)
	}
	token := strings.SplitN(strings.TrimPrefix(csrf, "__Host-seuil_login_csrf="), ";", 2)[0]
	form := url.Values{"csrf": {hidden(body, "csrf")}, "id": {hidden(body, "id")}, "login": {testLogin}, "password": {testPassword}}
	req, _ := http.NewRequest("POST", action(resp, body), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "__Host-seuil_login_csrf", Value: token})
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sso string
	for _, sc := range resp.Header.Values("Set-Cookie") {
		if strings.Contains(sc, "seuil_sso=") {
			sso = sc
		}
	}
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(sso, "__Host-seuil_sso=") || !strings.Contains(sso, "Secure") {
		t.Errorf("sign-in %d, SSO cookie %q", resp.StatusCode, sso)
	}
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
