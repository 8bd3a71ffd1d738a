package main

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/demorp"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/students"
)

// demoEnv is `seuil demo` started in-process: the generated demo.yaml
// loaded by the configuration loader, the same build() as serve, and the
// demo PJ Web, each on a real loopback listener.
type demoEnv struct {
	seuil, rp string
	outbox    *notify.Outbox
	cfgPath   string
	rdb       redis.UniversalClient // the demo's in-process Redis
}

func startDemo(t *testing.T, mutate ...func(*config.Config)) *demoEnv {
	t.Helper()
	ls, lr := listenLoopback(t), listenLoopback(t)
	dir := t.TempDir()
	cfgPath, rpSecret, err := writeDemoFiles(dir, ls.Addr().String(), lr.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("the generated demo.yaml does not load: %v", err)
	}
	if err := seedDemoAccount(context.Background(), cfg.Directory.Embedded.Path); err != nil {
		t.Fatal(err)
	}
	for _, m := range mutate {
		m(cfg)
	}
	rdb, stop, err := state.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := build(ctx, cfg, buildOptions{redis: rdb, logger: log, demo: true})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := demorp.New(demorp.Config{Issuer: cfg.OIDC.Issuer, ClientID: "pjweb", ClientSecret: rpSecret,
		BaseURL: "http://" + lr.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := &http.Server{Handler: a.handler}, &http.Server{Handler: rp}
	go s1.Serve(ls)
	go s2.Serve(lr)
	t.Cleanup(func() { cancel(); s1.Close(); s2.Close(); a.close() })
	return &demoEnv{seuil: "http://" + ls.Addr().String(), rp: "http://" + lr.Addr().String(), outbox: a.outbox, cfgPath: cfgPath, rdb: rdb}
}

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// page is the last page a browser landed on.
type page struct {
	url  *url.URL
	body string
}

type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

func (b *browser) get(u string) page {
	b.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) page {
	return b.readStatus(resp, http.StatusOK)
}

func (b *browser) readStatus(resp *http.Response, want int) page {
	b.t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.t.Fatalf("%s: status %d\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return page{url: resp.Request.URL, body: string(body)}
}

var (
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// submit posts the page's first form with its hidden fields and fields,
// as a browser would (same-origin, so Origin is the page's).
func (b *browser) submit(p page, fields map[string]string) page {
	b.t.Helper()
	return b.submitStatus(p, fields, http.StatusOK)
}

// submitStatus is submit expecting another status (422: the form again,
// with errors).
func (b *browser) submitStatus(p page, fields map[string]string, want int) page {
	b.t.Helper()
	m := actionRE.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("no form on %s:\n%s", p.url, p.body)
	}
	form := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range fields {
		form.Set(k, v)
	}
	target := p.url.ResolveReference(mustParse(b.t, html.UnescapeString(m[1])))
	req, _ := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.url.Scheme+"://"+p.url.Host)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", target, err)
	}
	return b.readStatus(resp, want)
}

var linkRE = regexp.MustCompile(`<a class="button primary" href="([^"]+)"`)

// activate walks the four screens from the identify page and returns the
// page the "continue" button leads to.
func (e *demoEnv) activate(t *testing.T, b *browser, p page, password string) page {
	t.Helper()
	p = e.activateUntilDone(t, b, p, password)
	m := linkRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no continue button:\n%s", p.body)
	}
	return b.get(p.url.ResolveReference(mustParse(t, html.UnescapeString(m[1]))).String())
}

// activateUntilDone walks the four screens and returns the done screen.
func (e *demoEnv) activateUntilDone(t *testing.T, b *browser, p page, password string) page {
	t.Helper()
	p = e.identifyAndVerify(t, b, p)
	p = b.submit(p, map[string]string{"password": password, "confirm": password})
	if !strings.Contains(p.body, "Mot de passe initialisé avec succès") || !strings.Contains(p.body, "22012345T") {
		t.Fatalf("not the done screen:\n%s", p.body)
	}
	return p
}

// identifyAndVerify fills the first two screens for the specification's
// student and returns the password screen.
func (e *demoEnv) identifyAndVerify(t *testing.T, b *browser, p page) page {
	t.Helper()
	if !strings.Contains(p.body, "Numéro étudiant") {
		t.Fatalf("not the identify screen: %s", p.url)
	}
	p = b.submit(p, map[string]string{"student_id": "22012345", "ine": "123456789ab", "phone": "07 88 10 25 99"})
	code := ""
	for _, m := range e.outbox.Messages() { // newest first
		if m.Channel == notify.ChannelSMS && m.To == "+33788102599" {
			code = m.Code
			break
		}
	}
	if code == "" {
		t.Fatalf("no SMS to the phone on record; screen:\n%s", p.body)
	}
	return b.submit(p, map[string]string{"code": code})
}

func mustParse(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDemoActivationLandsInPJWebSignedIn(t *testing.T) {
	e := startDemo(t)
	t.Run("prompt=create from PJ Web", func(t *testing.T) {
		b := newBrowser(t)
		home := b.get(e.rp + "/")
		if !strings.Contains(home.body, "Créer mon compte") {
			t.Fatalf("demo PJ Web home:\n%s", home.body)
		}
		landed := e.activate(t, b, b.get(e.rp+"/login?create=1"), "Velo-Rouge-Tours-8")
		if landed.url.Host != mustParse(t, e.rp).Host || !strings.Contains(landed.body, "22012345T") {
			t.Fatalf("did not land signed in on PJ Web: %s\n%s", landed.url, landed.body)
		}
	})
	t.Run("direct entry then initiate_login_uri", func(t *testing.T) {
		b := newBrowser(t)
		// The account is active now: the flow offers a new password after the
		// code, and a previous one would be refused (history).
		landed := e.activate(t, b, b.get(e.seuil+"/"), "Tulipe-Jaune-Loire-42")
		if landed.url.Host != mustParse(t, e.rp).Host || !strings.Contains(landed.body, "22012345T") {
			t.Fatalf("did not land signed in on PJ Web: %s\n%s", landed.url, landed.body)
		}
		// The SSO session now answers PJ Web's next sign-in without a prompt.
		again := b.get(e.rp + "/login")
		if !strings.Contains(again.body, "22012345T") || strings.Contains(again.body, `name="password"`) {
			t.Fatalf("second sign-in prompted:\n%s", again.body)
		}
	})
}

func TestDemoSignInWithTheDemoAccount(t *testing.T) {
	e := startDemo(t)
	b := newBrowser(t)
	login := b.get(e.rp + "/login")
	if !strings.Contains(login.body, `name="password"`) {
		t.Fatalf("not the sign-in page: %s", login.url)
	}
	if !strings.Contains(login.body, "pour accéder à PJ Web (démo)") {
		t.Errorf("the sign-in page does not name the relying party:\n%s", login.body)
	}
	wrong := b.submitStatus(login, map[string]string{"login": demoAccount.login, "password": "not-it-1"}, http.StatusUnauthorized)
	if !strings.Contains(wrong.body, "Identifiant ou mot de passe incorrect.") {
		t.Fatalf("wrong password page:\n%s", wrong.body)
	}
	landed := b.submit(wrong, map[string]string{"login": demoAccount.login, "password": demoAccount.password})
	if landed.url.Host != mustParse(t, e.rp).Host || !strings.Contains(landed.body, demoAccount.login) {
		t.Fatalf("did not land signed in on PJ Web: %s\n%s", landed.url, landed.body)
	}
}

// The generated demo.yaml is a valid configuration whose only problems,
// for serve, are the demo's outboxes: check-config says so, and nothing
// else.
func TestDemoConfigChecks(t *testing.T) {
	e := startDemo(t)
	var out bytes.Buffer
	if code := checkConfig(e.cfgPath, &out); code != 1 {
		t.Fatalf("check-config on demo.yaml = %d, want 1 (the outboxes):\n%s", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "mail.outbox: is for `seuil demo` only") ||
		!strings.Contains(lines[1], "sms.outbox: is for `seuil demo` only") || !strings.HasPrefix(lines[2], "2 problems in ") {
		t.Errorf("check-config output:\n%s", out.String())
	}
}

func TestDemoStudentsAllValid(t *testing.T) {
	var n int
	err := students.ReadCSV(context.Background(), demoStudents, students.CSVFormat{},
		func(students.Record) error { n++; return nil },
		func(e *students.RowError) { t.Errorf("demo CSV line %d (%s): %v", e.Line, e.Key, e.Err) })
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Errorf("demo CSV has %d students, want at least 20", n)
	}
}

func TestDemoOverlayAddsClient(t *testing.T) {
	dir := t.TempDir()
	cfgPath, _, err := writeDemoFiles(dir, "127.0.0.1:8080", "127.0.0.1:8081")
	if err != nil {
		t.Fatal(err)
	}
	base, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	extra := filepath.Join(dir, "extra.yaml")
	writeFile(t, extra, "oidc:\n  clients:\n    - id: myapp\n      public: true\n      redirect_uris: [\"http://127.0.0.1:3000/cb\"]\n")
	cfg, err := config.Overlay(base, extra)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cfg.OIDC.Clients {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "myapp,pjweb" {
		t.Errorf("clients = %v, want myapp then pjweb", ids)
	}
	writeFile(t, extra, "oidc:\n  clients:\n    - id: bad\n      public: true\n      redirect_uris: [\"http://evil.example/cb\"]\n")
	_, err = config.Overlay(base, extra)
	if err == nil || !strings.Contains(err.Error(), "extra.yaml:5: oidc.clients[0].redirect_uris[0]") {
		t.Errorf("overlay error = %v, want it placed in extra.yaml", err)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestChangedPasswordEndsOtherSessions: a student signed in on one
// browser sets a new password on another (the activation flow offers it
// to an active account). The first browser's SSO session must be gone
// (PJ Web's next sign-in asks for the password) while the second, which
// proved the code, lands signed in.
func TestChangedPasswordEndsOtherSessions(t *testing.T) {
	e := startDemo(t)
	first := newBrowser(t)
	e.activate(t, first, first.get(e.rp+"/login?create=1"), "Velo-Rouge-Tours-8")
	if again := first.get(e.rp + "/login"); strings.Contains(again.body, `name="password"`) {
		t.Fatalf("the first browser has no SSO session to begin with:\n%s", again.body)
	}

	second := newBrowser(t)
	landed := e.activate(t, second, second.get(e.seuil+"/"), "Tulipe-Jaune-Loire-42")
	if landed.url.Host != mustParse(t, e.rp).Host || !strings.Contains(landed.body, "22012345T") {
		t.Fatalf("the browser that changed the password did not land signed in: %s\n%s", landed.url, landed.body)
	}
	if again := second.get(e.rp + "/login"); strings.Contains(again.body, `name="password"`) {
		t.Fatalf("the new session was ended too:\n%s", again.body)
	}
	if again := first.get(e.rp + "/login"); !strings.Contains(again.body, `name="password"`) {
		t.Fatalf("the first browser is still signed in after the password changed elsewhere:\n%s", again.body)
	}
}

// TestDemoSecondReplica: `seuil demo --replica-addr` serves a second
// replica beside the first (console.mjs watches a theme reach it); a
// malformed address is refused before anything starts.
func TestDemoSecondReplica(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runDemo(context.Background(), []string{"--replica-addr", "nowhere", "--data", t.TempDir()}, &out, &errOut); err != errUsage ||
		!strings.Contains(errOut.String(), "--replica-addr") {
		t.Fatalf("a bad --replica-addr: %v, %q", err, errOut.String())
	}
	addrs := make([]string, 3)
	for i := range addrs {
		l := listenLoopback(t)
		addrs[i] = l.Addr().String()
		l.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, []string{"--addr", addrs[0], "--rp-addr", addrs[1], "--replica-addr", addrs[2], "--data", t.TempDir()}, io.Discard, io.Discard)
	}()
	defer func() { cancel(); <-done }()
	for _, a := range []string{addrs[0], addrs[2]} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar} // the flow's cookie, across its redirect
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			resp, err := c.Get("http://" + a + "/activation")
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && strings.Contains(string(body), "Numéro étudiant") {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not serve the activation: %v", a, err)
			}
		}
	}
}
