package flows_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students"
)

// yanis is a second student, without an account.
var yanis = students.Record{StudentID: "22054321", INE: "987654321AB", FirstName: "Yanis",
	LastName: "Benali", Mobile: "+33611223344", Email: "yanis.benali@example.org",
	BirthDate: time.Date(2006, 9, 2, 0, 0, 0, 0, time.UTC)}

func withStudents(recs ...students.Record) envOpt {
	return func(_ *flows.Config, d *flows.Deps) {
		m := mapSource{}
		for _, r := range recs {
			m[r.StudentID] = r
		}
		d.Students = m
	}
}

// A verify step that failed on entry (here: the victim's phone had had
// its codes) must leave nothing behind: identifying next as another
// student must not carry the victim's login into the password step.
func TestFailedEnterForgetsAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withStudents(camille, yanis))
	ctx := context.Background()
	if _, err := e.dir.Ensure(ctx, camille, "22012345T"); err != nil {
		t.Fatal(err)
	}
	if err := e.dir.SetPassword(ctx, "22012345T", "Camille-Own-Pass-7"); err != nil {
		t.Fatal(err)
	}
	// Use up Camille's code_send_per_phone burst (5) from other browsers.
	for i := 0; i < 5; i++ {
		o := e.browser(t)
		o.follow("/activation")
		must(t, o.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")), 200)
	}
	b := e.browser(t)
	b.follow("/activation")
	must(t, b.post("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")),
		http.StatusTooManyRequests)
	r := b.submit("/activation/identify", identifyForm(yanis.StudentID, yanis.INE, "06 11 22 33 44"))
	must(t, r, 200, "Code d'activation")
	r = b.submit("/activation/verify", url.Values{"code": {e.box.lastCode(t)}})
	must(t, r, 200, "Choisissez votre mot de passe")
	if strings.Contains(r.body, "22012345T") || strings.Contains(r.body, "déjà activé") {
		t.Fatalf("the password page is about Camille's account:\n%s", r.body)
	}
	must(t, b.submit("/activation/password", pwForm(goodPassword, goodPassword)), 200, "22054321T")
	if _, err := e.dir.Authenticate(ctx, "22012345T", "Camille-Own-Pass-7"); err != nil {
		t.Fatalf("Camille's password changed: %v", err)
	}
	if _, err := e.dir.Authenticate(ctx, "22054321T", goodPassword); err != nil {
		t.Fatalf("Yanis's password not set: %v", err)
	}
}

// A record without a mobile or without an e-mail address still works
// with the channel it has, and the verify screen says which one is
// missing.
func TestOneChannelOnRecord(t *testing.T) {
	t.Parallel()
	noMobile, noMail := camille, camille
	noMobile.Mobile, noMail.Email = "", ""
	for _, c := range []struct {
		name       string
		rec        students.Record
		sms, mails int
		shows      []string
		hides      string
	}{
		{"no mobile", noMobile, 0, 1, []string{"c•••@example.org", "Aucun numéro de portable"}, "par SMS au"},
		{"no e-mail", noMail, 1, 0, []string{"+33 7 •• •• •• 99", "Aucune adresse électronique"}, "par courriel à"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withStudents(c.rec))
			b := e.browser(t)
			b.follow("/activation")
			r := b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
			must(t, r, 200, append([]string{"Code d'activation"}, c.shows...)...)
			if strings.Contains(r.body, c.hides) {
				t.Fatalf("the page shows a channel not used:\n%s", r.body)
			}
			if s, m := e.box.counts(); s != c.sms || m != c.mails {
				t.Fatalf("sent %d SMS and %d mails, want %d and %d", s, m, c.sms, c.mails)
			}
			code := ""
			if c.sms > 0 {
				code = e.box.lastCode(t)
			} else {
				code = e.box.mails[0].Code
			}
			must(t, b.submit("/activation/verify", url.Values{"code": {code}}), 200, "Choisissez votre mot de passe")
		})
	}
}

// The language links stay on this site whatever path was asked: a path
// like "//evil.example/x" reaches the not-found page as is, and a link
// built from it would lead off-site.
func TestLanguageLinksStayLocal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, path := range []string{"//evil.example/x", "/\\evil.example/x", "/activation//evil.example"} {
		body := rawGet(t, e.srv.Listener.Addr().String(), path)
		for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
			u, err := url.Parse(m[1])
			if strings.HasPrefix(m[1], "https://ent.univ-tours.fr/") {
				continue // the theme's footer link, not built from the path
			}
			if err != nil || u.Host != "" || strings.HasPrefix(m[1], "//") || strings.HasPrefix(m[1], "/\\") {
				t.Errorf("%s: link %q leads off-site", path, m[1])
			}
		}
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// rawGet sends path exactly as given (net/http's client would read a
// leading "//" as a host).
func rawGet(t *testing.T, addr, path string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	raw, _ := io.ReadAll(c)
	if !strings.Contains(string(raw), "<html") {
		t.Fatalf("%s: no page: %s", path, raw)
	}
	return html.UnescapeString(string(raw))
}

// No secret reaches the logs: not the code, the password, the form token
// nor the flow id, whatever path the flow takes (a wrong code, a refused
// password, success).
func TestLogsHoldNoSecret(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		d.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	b := e.browser(t)
	b.follow("/activation")
	b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	code := e.box.lastCode(t)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	must(t, b.post("/activation/verify", url.Values{"code": {wrong}}), 422)
	must(t, b.submit("/activation/verify", url.Values{"code": {code}}), 200)
	must(t, b.post("/activation/password", pwForm("short1", "short1")), 422)
	must(t, b.post("/activation/password", pwForm(goodPassword, goodPassword+"x")), 422)
	must(t, b.submit("/activation/password", pwForm(goodPassword, goodPassword)), 200)
	var flowID string
	for _, c := range b.c.Jar.Cookies(mustURL(t, e.srv.URL)) {
		if strings.HasSuffix(c.Name, "seuil_flow") {
			flowID = c.Value
		}
	}
	out := logs.String()
	if !strings.Contains(out, "password set") {
		t.Fatalf("the logs miss the journey:\n%s", out)
	}
	for what, secret := range map[string]string{"code": code, "wrong code": wrong, "password": goodPassword,
		"weak password": "short1", "csrf": b.csrf, "flow id": flowID} {
		if secret != "" && strings.Contains(out, secret) {
			t.Errorf("the logs hold the %s", what)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A flow cookie planted in the student's browser is worth nothing once
// the student has proved the code (issue 10, point 2): the flow's id is
// rotated at each step passed, as a session id is at sign-in.
func TestPlantedFlowCookieIsRotated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	attacker, victim := e.browser(t), e.browser(t)
	must(t, attacker.follow("/activation"), 200, "Numéro étudiant")
	u, _ := url.Parse(e.srv.URL)
	victim.c.Jar.SetCookies(u, attacker.c.Jar.Cookies(u)) // planted
	must(t, victim.follow("/activation/identify"), 200, "Numéro étudiant")
	must(t, victim.submit("/activation/identify", identifyForm("22012345", "123456789ab", "07 88 10 25 99")), 200, "Code d'activation")
	must(t, victim.submit("/activation/verify", url.Values{"code": {e.box.lastCode(t)}}), 200, "Choisissez votre mot de passe")
	if r := attacker.follow("/activation/password"); strings.Contains(r.body, "Choisissez votre mot de passe") {
		t.Fatal("the planted cookie reaches the password step the student unlocked")
	}
	same := func() bool {
		for _, a := range attacker.c.Jar.Cookies(u) {
			for _, v := range victim.c.Jar.Cookies(u) {
				if a.Name == v.Name && strings.Contains(a.Name, "seuil_flow") && a.Value == v.Value {
					return true
				}
			}
		}
		return false
	}
	if same() {
		t.Error("the student's flow cookie was not renewed")
	}
	// The student goes on undisturbed.
	must(t, victim.submit("/activation/password", pwForm(goodPassword, goodPassword)), 200, "Mot de passe initialisé avec succès")
}

// Whoever reads Redis (a replica, a backup, an RDB file) takes over no
// activation in progress (issue 10, point 1): no key or value is the
// flow cookie, nothing in the flow record yields the code, and the flow
// holds none of the student's contacts, INE or birth date.
var base32RE = regexp.MustCompile(`[A-Z2-7]{16,}`)

func TestRedisDumpTakesOverNoFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	must(t, b.submit("/activation/identify", identifyForm("22012345", "123456789ab", "07 88 10 25 99")), 200, "Code d'activation")
	code := e.box.lastCode(t)
	u := mustURL(t, e.srv.URL)
	var cookie string
	for _, c := range b.c.Jar.Cookies(u) {
		if strings.HasSuffix(c.Name, "seuil_flow") {
			cookie = c.Value
		}
	}
	if cookie == "" {
		t.Fatal("no flow cookie")
	}
	dump := redistest.Dump(t, e.store.Client())
	var flowKeys int
	for k, v := range dump {
		if strings.Contains(k, cookie) || strings.Contains(v, cookie) {
			t.Errorf("%s: the flow cookie is in the dump", k)
		}
		if strings.Contains(k, code) || strings.Contains(v, code) {
			t.Errorf("%s: the code is in the dump", k)
		}
		if !strings.Contains(k, "flow:") {
			continue
		}
		flowKeys++
		for what, pii := range map[string]string{"mobile": camille.Mobile, "national mobile": "0788102599",
			"typed mobile": "07 88 10 25 99", "e-mail": camille.Email, "INE": camille.INE,
			"typed INE": "123456789ab", "birth date": "2007-03-14", "last name": camille.LastName} {
			if strings.Contains(strings.ToLower(v), strings.ToLower(pii)) {
				t.Errorf("%s: the flow record holds the student's %s: %s", k, what, v)
			}
		}
		// An attacker who finds an OTP secret computes the code from it.
		for _, secret := range base32RE.FindAllString(v, -1) {
			for counter := range uint64(8) {
				if c, err := hotp.GenerateCodeCustom(secret, counter, hotp.ValidateOpts{Digits: otp.Digits(len(code)),
					Algorithm: otp.AlgorithmSHA1}); err == nil && c == code {
					t.Errorf("%s: the code is computed from %q in the flow record", k, secret)
				}
			}
		}
		// Every key read from the dump, tried as a cookie, opens nothing.
		thief := e.browser(t)
		id := k[strings.LastIndex(k, "flow:")+len("flow:"):]
		thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: "seuil_flow", Value: id, Path: "/"}})
		if r := thief.get("/activation/verify"); r.status == http.StatusOK {
			t.Errorf("the key %s, used as a cookie, opens the flow", k)
		}
	}
	if flowKeys != 1 {
		t.Fatalf("%d flow records in the dump, want 1", flowKeys)
	}
	// The student, who holds the cookie, goes on: the code still works.
	must(t, b.submit("/activation/verify", url.Values{"code": {code}}), 200, "Choisissez votre mot de passe")
	must(t, b.submit("/activation/password", pwForm(goodPassword, goodPassword)), 200, "Mot de passe initialisé avec succès")
}
