package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

type smsFunc func(context.Context, notify.SMS) error

func (f smsFunc) SendSMS(ctx context.Context, m notify.SMS) error { return f(ctx, m) }

// /readyz says what a journey needs (issue 10, point 7): with every
// channel down, activations all fail at the code, so Seuil is not ready;
// with one down it is degraded (still serving, by the other channel).
// The mail channel is a real SMTP sender, probed against a closed port.
func TestReadinessFollowsChannels(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := closed.Addr().(*net.TCPAddr).Port
	closed.Close() // nothing listens there any more
	smtp, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: "none",
		From: "Seuil <no-reply@example.org>", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	smsUp := true
	smsHealth := notify.NewHealth("sms", nil)
	sms := notify.WatchSMS(smsFunc(func(context.Context, notify.SMS) error {
		if smsUp {
			return nil
		}
		return errors.New("sms provider: 401 bad key")
	}), smsHealth)
	mailDown := notify.NewHealth("mail", smtp)
	mailUp := notify.NewHealth("mail", nil)
	ping := func(context.Context) error { return nil }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ready := func(mail *notify.Health) (int, string) {
		rec := httptest.NewRecorder()
		readiness(rdb, ping, []*notify.Health{smsHealth, mail}, log).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	send := func(n int) {
		for range n {
			_ = sms.SendSMS(context.Background(), notify.SMS{To: "+33788102599", Body: "x"})
		}
	}
	for _, c := range []struct {
		name   string
		act    func()
		mail   *notify.Health
		status int
		body   string
	}{
		{"all up", func() {}, mailUp, http.StatusOK, "ready"},
		{"two sms failures are not an outage", func() { smsUp = false; send(2) }, mailUp, http.StatusOK, "ready"},
		{"sms down", func() { send(1) }, mailUp, http.StatusOK, "degraded: sms down"},
		{"sms and mail down", func() {}, mailDown, http.StatusServiceUnavailable, "no channel to send codes: sms, mail down"},
		{"one sms success brings it back", func() { smsUp = true; send(1) }, mailDown, http.StatusOK, "degraded: mail down"},
	} {
		c.act()
		if status, body := ready(c.mail); status != c.status || body != c.body {
			t.Errorf("%s: /readyz = %d %q, want %d %q", c.name, status, body, c.status, c.body)
		}
	}
}

// Headers too large (too many cookies for the domain) get a themed,
// translated page, not Go's plain-text 431 (issue 10, point 10).
func TestHeadersTooLargeThemed(t *testing.T) {
	t.Parallel()
	// Served at the root, and behind a route prefix (server.public_url
	// with a path), where the limit once wrapped the bare routes only.
	for _, prefix := range []string{"", "/seuil"} {
		headersTooLarge(t, prefix)
	}
}

func headersTooLarge(t *testing.T, prefix string) {
	e := startDemo(t, func(c *config.Config) {
		if prefix != "" {
			c.Server.PublicURL += prefix
			c.OIDC.Issuer = c.Server.PublicURL
		}
	})
	for _, c := range []struct{ lang, want string }{{"", "Requête trop volumineuse"}, {"en", "Request too large"}} {
		req, _ := http.NewRequest("GET", e.seuil+prefix+"/activation", nil)
		for i := range 40 {
			req.AddCookie(&http.Cookie{Name: fmt.Sprintf("tracker%d", i), Value: strings.Repeat("x", 1000)})
		}
		if c.lang != "" {
			req.AddCookie(&http.Cookie{Name: "seuil_lang", Value: c.lang})
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || !strings.Contains(string(body), c.want) ||
			!strings.Contains(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("prefix %q, lang %q: %d %s\n%.300s", prefix, c.lang, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
}

// Go's profiles are on the metrics listener only when server.pprof asks
// for them; /metrics is always there.
func TestPprofOptIn(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{false, true} {
		srv := httptest.NewServer(metricsMux(on))
		for path, want := range map[string]int{"/metrics": 200, "/debug/pprof/": map[bool]int{false: 404, true: 200}[on],
			"/debug/pprof/cmdline": map[bool]int{false: 404, true: 200}[on]} {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("pprof %t: %s answers %d, want %d", on, path, resp.StatusCode, want)
			}
		}
		srv.Close()
	}
}
