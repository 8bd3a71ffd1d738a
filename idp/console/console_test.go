package console

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// Every console answer carries the flows' strict CSP and security
// headers, and a cross-origin POST is refused before any handler runs,
// session or not.
func TestConsoleHeadersAndCrossOrigin(t *testing.T) {
	th, err := themes.Default()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Deps{Secret: []byte("0123456789abcdef"), Theme: th, LoginPath: "/login"})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/admin/case/unblock", strings.NewReader("student=1&reason=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	c.ServeHTTP(w, req)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "Formulaire expiré") {
		t.Errorf("cross-origin POST: %d\n%s", w.Code, w.Body.String())
	}
	for _, res := range []*httptest.ResponseRecorder{w, func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		c.ServeHTTP(w, httptest.NewRequest("GET", "/admin/nowhere", nil))
		return w
	}()} {
		h := res.Header()
		if h.Get("Content-Security-Policy") != websec.CSP || h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", h)
		}
	}
}

// testConsole is a console on the default theme with d's dependencies,
// the ones every test needs filled in.
func testConsole(t *testing.T, d Deps) *Console {
	t.Helper()
	th, err := themes.Default()
	if err != nil {
		t.Fatal(err)
	}
	d.Secret, d.Theme, d.LoginPath = []byte("0123456789abcdef"), th, "/login"
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
