package notify_test

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/flows/notify/smtptest"
)

var activationMail = notify.Mail{
	To:      "jeanne.dupont@example.org",
	Subject: "Votre code d'activation",
	Text:    "Bonjour Jeanne,\nvotre code : 483920. Il expire dans 15 minutes.",
	HTML:    "<p>Bonjour Jeanne,</p><p>votre code : <strong>483920</strong>. Il expire dans 15 minutes.</p>",
	Code:    "483920",
}

func TestSMTP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		server  smtptest.Options
		tls     string
		user    string
		pass    string
		wantErr string // substring; empty means delivered
	}{
		{name: "starttls with auth", server: smtptest.Options{Mode: "starttls", User: "seuil", Password: "s3cret"},
			tls: notify.TLSStartTLS, user: "seuil", pass: "s3cret"},
		{name: "implicit tls", server: smtptest.Options{Mode: "smtps"}, tls: notify.TLSImplicit},
		{name: "no tls", server: smtptest.Options{Mode: "plain"}, tls: notify.TLSNone},
		{name: "opportunistic falls back to clear", server: smtptest.Options{Mode: "plain"}, tls: notify.TLSOpportunistic},
		{name: "starttls refused by server", server: smtptest.Options{Mode: "plain"}, tls: notify.TLSStartTLS,
			wantErr: "STARTTLS"},
		{name: "wrong password", server: smtptest.Options{Mode: "starttls", User: "seuil", Password: "s3cret"},
			tls: notify.TLSStartTLS, user: "seuil", pass: "wrong", wantErr: "auth"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tc.server)
			m, err := notify.NewSMTP(notify.SMTPConfig{
				Host: "127.0.0.1", Port: srv.Port, TLS: tc.tls, CAFile: srv.CAFile,
				Username: tc.user, Password: tc.pass,
				From: "Université de Test <no-reply@univ.example>",
			})
			if err != nil {
				t.Fatal(err)
			}
			err = m.SendMail(t.Context(), activationMail)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.wantErr)) {
					t.Fatalf("SendMail = %v, want an error about %s", err, tc.wantErr)
				}
				if n := len(srv.Messages(t)); n != 0 {
					t.Fatalf("%d messages delivered despite the error", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("SendMail: %v", err)
			}
			msgs := srv.Messages(t)
			if len(msgs) != 1 {
				t.Fatalf("%d messages delivered, want 1", len(msgs))
			}
			checkActivationMail(t, msgs[0])
		})
	}
}

// checkActivationMail asserts headers (decoded), envelope and both parts.
func checkActivationMail(t *testing.T, msg *mail.Message) {
	t.Helper()
	h := msg.Header
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subject != activationMail.Subject {
		t.Errorf("Subject = %q (raw %q), %v", subject, h.Get("Subject"), err)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Université de Test" || from[0].Address != "no-reply@univ.example" {
		t.Errorf("From = %v (raw %q), %v", from, h.Get("From"), err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != activationMail.To {
		t.Errorf("To = %v, %v", to, err)
	}
	if got := h.Get("X-MailFrom"); got != "no-reply@univ.example" {
		t.Errorf("envelope sender = %q", got)
	}
	if got := h.Get("X-RcptTo"); got != activationMail.To {
		t.Errorf("envelope recipient = %q", got)
	}
	if h.Get("Auto-Submitted") != "auto-generated" || !strings.HasSuffix(h.Get("Message-Id"), "@univ.example>") || h.Get("Date") == "" {
		t.Errorf("headers Auto-Submitted %q, Message-Id %q, Date %q", h.Get("Auto-Submitted"), h.Get("Message-Id"), h.Get("Date"))
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, %v; want multipart/alternative", h.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, ctParams, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if ctParams["charset"] != "UTF-8" {
			t.Errorf("part %s charset %q", ct, ctParams["charset"])
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		parts[ct] = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	if parts["text/plain"] != activationMail.Text {
		t.Errorf("text part = %q", parts["text/plain"])
	}
	if parts["text/html"] != activationMail.HTML {
		t.Errorf("html part = %q", parts["text/html"])
	}
}

func TestNewSMTPValidates(t *testing.T) {
	cases := []struct {
		cfg  notify.SMTPConfig
		want []string
	}{
		{notify.SMTPConfig{}, []string{"host: required", "from:"}},
		{notify.SMTPConfig{Host: "h", From: "a@b.c", TLS: "ssl"}, []string{`tls: "ssl"`}},
		{notify.SMTPConfig{Host: "h", From: "a@b.c", Port: 70000}, []string{"port: 70000"}},
		{notify.SMTPConfig{Host: "h", From: "a@b.c", CAFile: "/nonexistent"}, []string{"ca_file:"}},
	}
	for _, tc := range cases {
		_, err := notify.NewSMTP(tc.cfg)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("NewSMTP(%+v) = %v, want %q", tc.cfg, err, w)
			}
		}
	}
	if _, err := notify.NewSMTP(notify.SMTPConfig{Host: "h", From: "Univ <a@b.c>"}); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

// countingProxy forwards loopback TCP connections to port, counting them,
// and can cut every one it holds (as a server closing idle sessions).
type countingProxy struct {
	l     net.Listener
	mu    sync.Mutex
	n     int
	conns []net.Conn
}

func startCountingProxy(t *testing.T, port int) *countingProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{l: l}
	t.Cleanup(func() { l.Close(); p.cut() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.n++
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *countingProxy) port() int { return p.l.Addr().(*net.TCPAddr).Port }

func (p *countingProxy) dialed() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *countingProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Mails sent one after the other share a session (one connection, one
// STARTTLS, one AUTH); a session the server closed while it was idle is
// replaced, the mail going on a new one; mails sent at once each get
// one, and every mail arrives.
func TestSMTPSessionsKept(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{Mode: "starttls", User: "seuil", Password: "s3cret"})
	proxy := startCountingProxy(t, srv.Port)
	m, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: proxy.port(), TLS: notify.TLSStartTLS,
		CAFile: srv.CAFile, Username: "seuil", Password: "s3cret", From: "Université de Test <no-reply@univ.example>"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for range 3 {
		if err := m.SendMail(t.Context(), activationMail); err != nil {
			t.Fatal(err)
		}
	}
	if got := proxy.dialed(); got != 1 {
		t.Errorf("3 mails in a row took %d connections, want 1", got)
	}
	proxy.cut()
	if err := m.SendMail(t.Context(), activationMail); err != nil {
		t.Fatalf("after the server closed the idle session: %v", err)
	}
	if got := proxy.dialed(); got != 2 {
		t.Errorf("after the cut: %d connections, want 2", got)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- m.SendMail(t.Context(), activationMail) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages(t)
	if len(msgs) != 12 {
		t.Fatalf("%d messages delivered, want 12", len(msgs))
	}
	checkActivationMail(t, msgs[len(msgs)-1])
	if got := proxy.dialed(); got > 2+8 {
		t.Errorf("8 mails at once took %d more connections", got-2)
	}
}
