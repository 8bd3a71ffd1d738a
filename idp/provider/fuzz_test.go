package provider_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
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
	_ = oauth2.GenerateVerifier
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
