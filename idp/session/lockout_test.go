package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

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
	attempt := func(ip, password string) int { return signIn(t, l, ip, "22012345T", password) }
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

// slowPassword is onePassword for many accounts, taking its time, and
// counting the attempts it holds at once.
type slowPassword struct {
	mu       sync.Mutex
	now, max int
	calls    int
}

func (s *slowPassword) Authenticate(_ context.Context, login, password string) (directory.Account, error) {
	s.mu.Lock()
	s.now++
	s.calls++
	s.max = max(s.max, s.now)
	s.mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	s.mu.Lock()
	s.now--
	s.mu.Unlock()
	if password == "Right-password-42" {
		return directory.Account{Login: login, Subject: "sub-" + login}, nil
	}
	return directory.Account{}, directory.ErrInvalidCredentials
}

// Behind one campus NAT, students signing in at once go side by side, as
// many as the address may still fail (login_per_ip's burst, 20), not four
// at a time; and parallel wrong guesses from one address still reach the
// directory no more often than that budget allows, also once the address
// has spent part of it (the turns are asked for the whole burst, the
// budget read with them held).
func TestOneAddressManySignIns(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		password  string
		failed    int // the address's failures before
		wantMax   int // attempts held at once, at least
		atMost    int // attempts held at once, at most
		wantCalls int // attempts that reached the directory, at most
	}{
		{"honest students", "Right-password-42", 0, 20, 20, 32},
		{"parallel guesses", "guess-guess-1", 0, 1, 20, 20},
		{"honest students, 15 failures before", "Right-password-42", 15, 5, 5, 32},
		{"parallel guesses, 15 failures before", "guess-guess-1", 15, 1, 5, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rdb := redistest.Client(t)
			lim, err := regulation.New(rdb, "nat:", nil, []byte(strings.Repeat("k", 16)))
			if err != nil {
				t.Fatal(err)
			}
			for range c.failed {
				if _, err := lim.Hit(context.Background(), regulation.LoginPerIP, regulation.IPKey("203.0.113.9")); err != nil {
					t.Fatal(err)
				}
			}
			auth := &slowPassword{}
			m := session.NewManager(state.New(rdb, "s:"), session.Config{}, nil)
			th, _ := themes.Default()
			l := session.NewLogin(m, auth, lim, func(string) *themes.Theme { return th },
				session.Paths{Login: "/login", Resume: "/resume", Static: "/static"}, nil)
			var wg sync.WaitGroup
			limited := 0
			var mu sync.Mutex
			for i := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code := signIn(t, l, "203.0.113.9", fmt.Sprintf("2201%04dT", i), c.password)
					mu.Lock()
					defer mu.Unlock()
					if code == http.StatusTooManyRequests {
						limited++
					}
				}()
			}
			wg.Wait()
			if c.password == "Right-password-42" && limited > 0 {
				t.Errorf("%d honest students refused as limited", limited)
			}
			if auth.max < c.wantMax || auth.max > c.atMost || auth.calls > c.wantCalls {
				t.Errorf("%d attempts at once (want %d to %d), %d reached the directory (at most %d)",
					auth.max, c.wantMax, c.atMost, auth.calls, c.wantCalls)
			}
		})
	}
}

// signIn posts the sign-in form from ip as a browser would.
func signIn(t *testing.T, l *session.Login, ip, login, password string) int {
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
		t.Error("no csrf cookie")
		return 0
	}
	form := url.Values{"login": {login}, "password": {password}, "csrf": {csrf.Value}}
	post := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.RemoteAddr = ip + ":1234"
	post.AddCookie(csrf)
	w = httptest.NewRecorder()
	l.ServeHTTP(w, post)
	return w.Code
}
