package flows_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/regulation"
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

// hookedRegulator calls onHit before counting an event of rule.
type hookedRegulator struct {
	flow.Regulator
	rule  regulation.Rule
	onHit func()
}

func (h hookedRegulator) Hit(ctx context.Context, rule regulation.Rule, key string) (regulation.Decision, error) {
	if rule == h.rule && h.onHit != nil {
		h.onHit()
	}
	return h.Regulator.Hit(ctx, rule, key)
}

// Showing the verify page while a wrong code is being judged (a second
// tab, or a script) must not make the flow forget the wrong attempt: the
// flow closes after max_attempts wrong codes all the same.
func TestWrongCodesCountedDespiteConcurrentShow(t *testing.T) {
	t.Parallel()
	var b *browser
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		d.Regulator = hookedRegulator{Regulator: d.Regulator, rule: regulation.CodeVerifyPerStudent,
			onHit: func() { b.get("/activation/verify") }}
	})
	b = e.browser(t)
	b.follow("/activation")
	b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	good := e.box.lastCode(t)
	bad := "000000"
	if good == bad {
		bad = "111111"
	}
	for i := 0; i < 5; i++ {
		b.post("/activation/verify", url.Values{"code": {bad}})
		b.follow("/activation/verify")
	}
	r := b.submit("/activation/verify", url.Values{"code": {good}})
	if strings.Contains(r.body, "Choisissez votre mot de passe") {
		t.Fatal("a sixth code was judged after five wrong ones")
	}
}

// Once the student's wrong codes reach code_verify_per_student, no code is
// judged until the limit allows again, the right one included (otherwise
// every new flow would be one more free guess), and no new code is sent.
func TestCodeVerifyLimitCheckedFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var flows []*browser
	var codes []string
	for i := 0; i < 3; i++ {
		b := e.browser(t)
		b.follow("/activation")
		must(t, b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")), 200)
		flows, codes = append(flows, b), append(codes, e.box.lastCode(t))
	}
	for i, b := range flows[:2] { // 2 flows × 5 wrong codes = the burst of 10
		bad := "000000"
		if codes[i] == bad {
			bad = "111111"
		}
		for j := 0; j < 5; j++ {
			b.post("/activation/verify", url.Values{"code": {bad}})
		}
	}
	r := flows[2].submit("/activation/verify", url.Values{"code": {codes[2]}})
	must(t, r, http.StatusTooManyRequests, "Trop de tentatives. Réessayez dans")
	sent, _ := e.box.counts()
	e.clock.advance(61 * time.Second) // past the resend cooldown
	must(t, flows[2].post("/activation/verify", url.Values{"action": {"resend"}}), http.StatusTooManyRequests,
		"Trop de tentatives. Réessayez dans")
	b := e.browser(t)
	b.follow("/activation")
	must(t, b.post("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")),
		http.StatusTooManyRequests, "Trop de tentatives. Réessayez dans")
	if now, _ := e.box.counts(); now != sent {
		t.Fatal("a code was sent that could not be checked")
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

// A code refused by one send limit (here the address's) costs nothing
// under the others: the phone's budget stays whole for its owner.
func TestRefusedSendCountsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withStudents(camille, yanis), func(_ *flows.Config, d *flows.Deps) {
		one := regulation.Limit{Rate: 1, Per: time.Hour, Burst: 1}
		reg, err := regulation.New(d.Store.Client(), "t:", regulation.Rules{
			regulation.CodeSendPerIP: one, regulation.CodeSendPerPhone: one}, []byte("0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		d.Regulator = reg
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	from := func(b *browser, ip string, form url.Values) resp {
		b.follow("/activation")
		form.Set("csrf", b.csrf)
		form.Set("version", b.version)
		form.Set("step", "identify")
		req, _ := http.NewRequest("POST", e.srv.URL+"/activation/identify", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		return b.do(req)
	}
	yanisForm := func() url.Values { return identifyForm(yanis.StudentID, yanis.INE, "0611223344") }
	must(t, from(e.browser(t), "192.0.2.1", identifyForm("22012345", "123456789AB", "0788102599")), http.StatusSeeOther)
	must(t, from(e.browser(t), "192.0.2.1", yanisForm()), http.StatusTooManyRequests)
	must(t, from(e.browser(t), "192.0.2.2", yanisForm()), http.StatusSeeOther)
	if s, _ := e.box.counts(); s != 2 {
		t.Fatalf("%d SMS sent, want 2", s)
	}
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

// hookedDir runs beforeSet when a password is about to be set.
type hookedDir struct {
	directory.Directory
	beforeSet func(ctx context.Context)
}

func (h hookedDir) SetPassword(ctx context.Context, login, pw string) error {
	if h.beforeSet != nil {
		h.beforeSet(ctx)
	}
	return h.Directory.SetPassword(ctx, login, pw)
}

// A browser that gives up on a submit (a second click, a closed tab)
// must not leave the flow behind the directory: once the password is
// set, the flow records it, or the next try would be refused as a
// password already used.
func TestAbandonedSubmitStillRecorded(t *testing.T) {
	t.Parallel()
	var cancel context.CancelFunc
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		d.Directory = hookedDir{Directory: d.Directory, beforeSet: func(ctx context.Context) {
			if cancel == nil {
				return
			}
			cancel()
			select { // let the server notice the client has gone
			case <-ctx.Done():
			case <-time.After(300 * time.Millisecond):
			}
		}}
	})
	b := e.browser(t)
	b.toPassword("activation")
	form := pwForm(goodPassword, goodPassword)
	form.Set("csrf", b.csrf)
	form.Set("version", b.version)
	form.Set("step", "password")
	ctx, c := context.WithCancel(context.Background())
	cancel = c
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/activation/password", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := b.c.Do(req); err == nil {
		t.Fatal("the request was not abandoned")
	}
	cancel = nil
	deadline := time.Now().Add(3 * time.Second)
	for {
		r := b.follow("/activation/password")
		if strings.Contains(r.body, "Mot de passe initialisé avec succès") {
			if _, err := e.dir.Authenticate(context.Background(), "22012345T", goodPassword); err != nil {
				t.Fatalf("done, but the password is not set: %v", err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the flow did not record the password set:\n%s", r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A flow in progress whose definition changed shape on reload (steps
// added, removed or moved) starts again: its step index means another
// step now, or none (which panicked).
func TestReloadedShapeRestartsFlows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newEnv(t, func(c *flows.Config, _ *flows.Deps) { c.DefinitionsDir = dir })
	write := func(src string) {
		if err := os.WriteFile(filepath.Join(dir, "signup.yaml"), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := e.h.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	write("name: signup\nsteps:\n  - type: identify\n  - type: verify\n  - type: password\n  - type: done\n")
	b := e.browser(t)
	b.follow("/signup")
	must(t, b.submit("/signup/identify", identifyForm("22012345", "123456789AB", "0788102599")), 200, "Code d'activation")
	// Same shape, new parameters: the flow goes on.
	write("name: signup\nttl: 2h\nsteps:\n  - type: identify\n  - type: verify\n  - type: password\n  - type: done\n")
	must(t, b.follow("/signup/verify"), 200, "Code d'activation")
	write("name: signup\nentry: handover\nsteps:\n  - type: done\n")
	must(t, b.get("/signup/done"), http.StatusGone, "Votre session a expiré")
	must(t, b.post("/signup/done", url.Values{}), http.StatusGone)
}

// Whatever the mismatch (unknown number, wrong INE, wrong phone), it
// counts the same: the sixth try for that number is refused with the
// same answer, so the limit tells nothing about which field was wrong.
func TestMismatchLimitSameForEveryCause(t *testing.T) {
	t.Parallel()
	for name, form := range map[string]url.Values{
		"wrong INE":       identifyForm("22012345", "987654321AB", "0788102599"),
		"wrong phone":     identifyForm("22012345", "123456789AB", "0611223344"),
		"unknown student": identifyForm("29999999", "123456789AB", "0788102599"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.browser(t)
			b.follow("/activation")
			for i := 0; i < 5; i++ {
				must(t, b.post("/activation/identify", cloneForm(form)), http.StatusUnprocessableEntity,
					"ne correspondent à aucun dossier")
			}
			must(t, b.post("/activation/identify", cloneForm(form)), http.StatusTooManyRequests, "Trop de tentatives. Réessayez dans 12 minute(s)")
		})
	}
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
