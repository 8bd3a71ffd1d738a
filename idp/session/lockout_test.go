package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/themes"
)

type onePassword struct{}

func (onePassword) Authenticate(_ context.Context, login, password string) (directory.Account, error) {
	if login == "22012345T" && password == "Right-password-42" {
		return directory.Account{Login: login, Subject: "sub-1"}, nil
	}
	return directory.Account{}, directory.ErrInvalidCredentials
}

// An attacker who knows only a login cannot keep its student out: with
// the shipped limits, 40 wrong passwords from one address throttle that
// address, while the student, from another network, signs in at once.
// With the old per-account limit (5 at once) the student was refused.
func TestAttackerCannotLockStudentOut(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	lim, err := regulation.New(rdb, "lock:", nil, []byte(strings.Repeat("k", 16)))
	if err != nil {
		t.Fatal(err)
	}
	m := session.NewManager(state.New(rdb, "s:"), session.Config{}, nil)
	th, err := themes.Default()
	if err != nil {
		t.Fatal(err)
	}
	l := session.NewLogin(m, onePassword{}, lim, func(string) *themes.Theme { return th },
		session.Paths{Login: "/login", Resume: "/resume", Flows: "", Static: "/static"}, nil)
	attempt := func(ip, password string) int {
		get := httptest.NewRequest("GET", "/login", nil)
		get.RemoteAddr = ip + ":1234"
		w := httptest.NewRecorder()
		l.ServeHTTP(w, get)
		var csrf *http.Cookie
		for _, c := range w.Result().Cookies() {
			if c.Name == "seuil_login_csrf" {
				csrf = c
			}
		}
		if csrf == nil {
			t.Fatal("no csrf cookie")
		}
		form := url.Values{"login": {"22012345T"}, "password": {password}, "csrf": {csrf.Value}}
		post := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		post.RemoteAddr = ip + ":1234"
		post.AddCookie(csrf)
		w = httptest.NewRecorder()
		l.ServeHTTP(w, post)
		return w.Code
	}
	limited := 0
	for range 40 {
		if attempt("192.0.2.66", "guess-guess-1") == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 30 {
		t.Errorf("the attacker's address was limited %d times in 40, want most", limited)
	}
	if code := attempt("198.51.100.7", "Right-password-42"); code != http.StatusSeeOther {
		t.Errorf("the student from another network: %d, want 303 (signed in)", code)
	}
}
