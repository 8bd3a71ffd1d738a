package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

var acct = directory.Account{Login: "22012345T", Subject: "sub-1"}

// start signs in on a request carrying cookies and returns the new cookies.
func start(t *testing.T, m *session.Manager, cookies []*http.Cookie, a directory.Account) []*http.Cookie {
	t.Helper()
	r := httptest.NewRequest("POST", "/", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	if err := m.StartSession(context.Background(), w, r, a, []string{"pwd"}); err != nil {
		t.Fatal(err)
	}
	return w.Result().Cookies()
}

func current(m *session.Manager, cookies []*http.Cookie) (session.Session, error) {
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return m.Current(context.Background(), r)
}

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	st := state.New(redistest.Client(t), "s:")
	m := session.NewManager(st, session.Config{IdleTimeout: time.Second, AbsoluteTimeout: time.Hour}, nil)
	if _, err := current(m, nil); err != session.ErrNoSession {
		t.Fatalf("no cookie: %v", err)
	}
	c1 := start(t, m, nil, acct)
	s, err := current(m, c1)
	if err != nil || s.Login != "22012345T" || s.Subject != "sub-1" || s.SID == "" || len(s.AMR) != 1 {
		t.Fatalf("session %+v %v", s, err)
	}
	if c1[0].HttpOnly != true || c1[0].SameSite != http.SameSiteLaxMode {
		t.Error("cookie flags")
	}
	// A new sign-in rotates the session ID and drops the old one, keeping
	// the list of clients for the same person.
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c1[0])
	if err := m.AddClient(context.Background(), r, "pjweb"); err != nil {
		t.Fatal(err)
	}
	c2 := start(t, m, c1, acct)
	if c2[0].Value == c1[0].Value {
		t.Fatal("session ID not rotated")
	}
	if _, err := current(m, c1); err != session.ErrNoSession {
		t.Error("old session ID still valid")
	}
	s2, _ := current(m, c2)
	if s2.SID == s.SID || len(s2.Clients) != 1 {
		t.Errorf("after rotation: %+v", s2)
	}
	// Another person signing in on the same browser gets no inherited
	// clients, and the first person's session is announced as ended.
	ended := make(chan session.Session, 1)
	m.OnExpire(func(_ context.Context, s session.Session) { ended <- s })
	c3 := start(t, m, c2, directory.Account{Login: "22099999T", Subject: "sub-2"})
	if s3, _ := current(m, c3); len(s3.Clients) != 0 {
		t.Error("clients inherited by another person")
	}
	if len(ended) != 1 || (<-ended).SID != s2.SID {
		t.Error("replaced session not announced")
	}
	// Idle timeout.
	time.Sleep(1100 * time.Millisecond)
	if _, err := current(m, c3); err != session.ErrNoSession {
		t.Errorf("idle session still valid: %v", err)
	}
}

func TestAbsoluteTimeoutAndEnd(t *testing.T) {
	t.Parallel()
	st := state.New(redistest.Client(t), "s:")
	m := session.NewManager(st, session.Config{IdleTimeout: time.Hour, AbsoluteTimeout: time.Second}, nil)
	c := start(t, m, nil, acct)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c[0])
	w := httptest.NewRecorder()
	s, err := m.End(context.Background(), w, r)
	if err != nil || s.Login != acct.Login {
		t.Fatalf("end: %v", err)
	}
	if _, err := current(m, c); err != session.ErrNoSession {
		t.Error("ended session still valid")
	}
	c = start(t, m, nil, acct)
	time.Sleep(1100 * time.Millisecond)
	if _, err := current(m, c); err != session.ErrNoSession {
		t.Error("session outlived its absolute timeout")
	}
}

func TestStartSessionRefusesIncompleteAccount(t *testing.T) {
	t.Parallel()
	m := session.NewManager(state.New(redistest.Client(t), "s:"), session.Config{}, nil)
	err := m.StartSession(context.Background(), httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), directory.Account{Login: "x"}, nil)
	if err == nil {
		t.Fatal("account without subject accepted")
	}
}

func TestTimeoutAnnouncedOnce(t *testing.T) {
	t.Parallel()
	st := state.New(redistest.Client(t), "s:")
	m := session.NewManager(st, session.Config{IdleTimeout: time.Second, AbsoluteTimeout: time.Hour}, nil)
	got := make(chan session.Session, 4)
	m.OnExpire(func(_ context.Context, s session.Session) { got <- s })
	c := start(t, m, nil, acct)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c[0])
	if err := m.AddClient(context.Background(), r, "pjweb"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	for range 2 {
		if _, err := current(m, c); err != session.ErrNoSession {
			t.Fatalf("timed-out session: %v", err)
		}
	}
	if len(got) != 1 {
		t.Fatalf("announced %d times, want 1", len(got))
	}
	if s := <-got; s.Login != acct.Login || len(s.Clients) != 1 || s.Clients[0] != "pjweb" {
		t.Errorf("announced %+v", s)
	}
}
