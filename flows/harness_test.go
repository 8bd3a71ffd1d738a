package flows_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students"
)

// camille is the test student; her typed details match her record.
var camille = students.Record{StudentID: "22012345", INE: "123456789AB", FirstName: "Camille",
	LastName: "Martin", Mobile: "+33788102599", Email: "camille.martin@example.org",
	BirthDate: time.Date(2007, 3, 14, 0, 0, 0, 0, time.UTC)}

// mapSource is a tiny students.Source.
type mapSource map[string]students.Record

func (m mapSource) Lookup(_ context.Context, id string) (students.Record, error) {
	if r, ok := m[id]; ok {
		return r, nil
	}
	return students.Record{}, students.ErrNotFound
}

// outbox is notify's Outbox (the demo's), keeping mails whole as well:
// the Outbox drops their HTML part, which the tests check.
type outbox struct {
	*notify.Outbox
	mu    sync.Mutex
	mails []notify.Mail
}

func (o *outbox) SendMail(ctx context.Context, m notify.Mail) error {
	o.mu.Lock()
	o.mails = append(o.mails, m)
	o.mu.Unlock()
	return o.Outbox.SendMail(ctx, m)
}

// sms returns the SMS sent, oldest first.
func (o *outbox) sms() []notify.Message {
	var out []notify.Message
	msgs := o.Messages() // newest first
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Channel == notify.ChannelSMS {
			out = append(out, msgs[i])
		}
	}
	return out
}

var codeRE = regexp.MustCompile(`\b([0-9]{6,8})\b`)

// lastCode reads the code of the last SMS, from its body as a student would.
func (o *outbox) lastCode(t testing.TB) string {
	t.Helper()
	sms := o.sms()
	if len(sms) == 0 {
		t.Fatal("no SMS sent")
	}
	last := sms[len(sms)-1]
	m := codeRE.FindStringSubmatch(last.Body)
	if m == nil || m[1] != last.Code {
		t.Fatalf("no code in SMS %q", last.Body)
	}
	return m[1]
}

func (o *outbox) counts() (int, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sms()), len(o.mails)
}

// clock is a settable test clock.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

type env struct {
	srv   *httptest.Server
	box   *outbox
	clock *clock
	dir   *embedded.Dir
	h     *flows.Handler
	store *state.Store
}

type envOpt func(*flows.Config, *flows.Deps)

// newEnv starts redis-server, an embedded directory and the flows.
func newEnv(tb testing.TB, opts ...envOpt) *env {
	tb.Helper()
	e, err := startEnv(tb, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// newEnvErr is newEnv for a configuration flows.New must refuse: its
// error.
func newEnvErr(tb testing.TB, opts ...envOpt) error {
	tb.Helper()
	_, err := startEnv(tb, opts...)
	return err
}

func startEnv(tb testing.TB, opts ...envOpt) (*env, error) {
	tb.Helper()
	rdb := redistest.Client(tb)
	e := &env{box: &outbox{Outbox: notify.NewOutbox(64)}, clock: &clock{}}
	reg, err := regulation.New(rdb, "t:", nil, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		tb.Fatal(err)
	}
	e.dir, err = embedded.Open(filepath.Join(tb.TempDir(), "dir.json"), embedded.Options{
		Argon2: embedded.Params{Memory: 1024, Time: 1, Threads: 1}, Now: e.clock.now})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := flows.Config{}
	e.store = state.New(rdb, "t:")
	deps := flows.Deps{Store: e.store, Regulator: reg, Directory: e.dir,
		Students: mapSource{camille.StudentID: camille}, SMS: e.box, Mail: e.box,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: e.clock.now}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	e.h, err = flows.New(cfg, deps)
	if err != nil {
		return nil, err
	}
	var h http.Handler = e.h
	if cfg.BasePath != "" {
		h = http.StripPrefix(cfg.BasePath, h)
	}
	e.srv = httptest.NewServer(h)
	tb.Cleanup(e.srv.Close)
	return e, nil
}

// browser is one cookie jar that does not follow redirects.
type browser struct {
	tb            testing.TB
	e             *env
	c             *http.Client
	csrf, version string
	// from, if set, is the client address this browser claims through a
	// trusted proxy's X-Forwarded-For (the env must trust loopback).
	from string
}

func (e *env) browser(tb testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: tb, e: e, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	status   int
	body     string
	location string
}

var (
	csrfRE    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	versionRE = regexp.MustCompile(`name="version" value="([0-9]+)"`)
)

func (b *browser) do(req *http.Request) resp {
	b.tb.Helper()
	if b.from != "" {
		req.Header.Set("X-Forwarded-For", b.from)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, body: html.UnescapeString(string(raw)), location: res.Header.Get("Location")}
	if m := csrfRE.FindStringSubmatch(r.body); m != nil {
		b.csrf = m[1]
	}
	if m := versionRE.FindStringSubmatch(r.body); m != nil {
		b.version = m[1]
	}
	return r
}

func (b *browser) get(path string) resp {
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	return b.do(req)
}

// follow GETs path and then every redirect.
func (b *browser) follow(path string) resp {
	r := b.get(path)
	for i := 0; i < 5 && r.status == http.StatusSeeOther; i++ {
		r = b.get(r.location)
	}
	return r
}

// post sends a step's form with the page's token and version.
func (b *browser) post(path string, form url.Values) resp {
	b.tb.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", b.csrf)
	}
	if form.Get("version") == "" {
		form.Set("version", b.version)
	}
	if form.Get("step") == "" {
		form.Set("step", path[strings.LastIndex(path, "/")+1:])
	}
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit posts and follows the redirect when there is one.
func (b *browser) submit(path string, form url.Values) resp {
	r := b.post(path, form)
	if r.status == http.StatusSeeOther {
		return b.follow(r.location)
	}
	return r
}

func identifyForm(id, ine, phone string) url.Values {
	return url.Values{"student_id": {id}, "ine": {ine}, "phone": {phone}}
}

func pwForm(pw, confirm string) url.Values {
	return url.Values{"password": {pw}, "confirm": {confirm}}
}

// toPassword walks a browser to the password screen of flow name.
func (b *browser) toPassword(name string) resp {
	b.tb.Helper()
	r := b.follow("/" + name)
	if !strings.Contains(r.body, "Numéro étudiant") {
		b.tb.Fatalf("identify page: %d %s", r.status, r.body)
	}
	r = b.submit("/"+name+"/identify", identifyForm("22012345", "123456789ab", "07 88 10 25 99"))
	if r.status != 200 || !strings.Contains(r.body, "Code d'activation") && !strings.Contains(r.body, "Code de vérification") {
		b.tb.Fatalf("verify page: %d %s", r.status, r.body)
	}
	r = b.submit("/"+name+"/verify", url.Values{"code": {b.e.box.lastCode(b.tb)}})
	if r.status != 200 || !strings.Contains(r.body, "Choisissez votre mot de passe") && !strings.Contains(r.body, "Choisissez un nouveau mot de passe") {
		b.tb.Fatalf("password page: %d %s", r.status, r.body)
	}
	return r
}

func must(tb testing.TB, r resp, status int, contains ...string) {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status %d, want %d; body:\n%s", r.status, status, r.body)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			tb.Fatalf("body lacks %q:\n%s", c, r.body)
		}
	}
}
