package provider_test

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzAuthorize: whatever the query, the authorization endpoint answers
// without a server error and redirects only to a registered redirect URI
// or to the provider's own pages — never an open redirect.
func FuzzAuthorize(f *testing.F) {
	e := newEnv(f)
	f.Add(authQuery().Encode())
	f.Add(authQuery().Encode() + "&prompt=none")
	f.Add("client_id=pjweb&redirect_uri=https%3A%2F%2Fevil.example%2F&response_type=code")
	f.Add("client_id=pjweb&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&response_type=code&scope=openid&prompt=create")
	f.Add("%zz&&==;")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.Fuzz(func(t *testing.T, q string) {
		resp, err := c.Get(e.iss + "/oauth2/auth?" + q)
		if err != nil {
			return // a query net/http refuses to send
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for %q", resp.StatusCode, q)
		}
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 == 3 && !strings.HasPrefix(loc, rpRedirect+"?") && !strings.HasPrefix(loc, "http://127.0.0.1:9/native?") &&
			!strings.HasPrefix(loc, "/seuil/login?") && !strings.HasPrefix(loc, "/seuil/activation?") {
			t.Fatalf("redirect to %q for %q", loc, q)
		}
	})
}

// FuzzLogout: the end-session endpoint never fails with a server error
// and redirects only to a registered post-logout URI.
func FuzzLogout(f *testing.F) {
	e := newEnv(f)
	f.Add("client_id=pjweb&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye&state=x")
	f.Add("post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F")
	f.Add("id_token_hint=eyJhbGciOiJub25lIn0.e30.&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.Fuzz(func(t *testing.T, q string) {
		resp, err := c.Get(e.iss + "/oauth2/logout?" + q)
		if err != nil {
			return
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for %q", resp.StatusCode, q)
		}
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && !strings.HasPrefix(loc, "http://127.0.0.1:9/bye") {
			t.Fatalf("redirect to %q for %q", loc, q)
		}
	})
}
