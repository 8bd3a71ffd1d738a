package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLS modes of an SMTP connection.
const (
	// TLSStartTLS upgrades with STARTTLS and refuses a server without it
	// (the default: submission on port 587).
	TLSStartTLS = "starttls"
	// TLSOpportunistic upgrades with STARTTLS when offered, else sends in
	// clear: for a relay on a trusted network only.
	TLSOpportunistic = "opportunistic"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit = "tls"
	// TLSNone never encrypts: a local relay on the same host only.
	TLSNone = "none"
)

// SMTPConfig is the configuration of the SMTP mailer.
type SMTPConfig struct {
	Host string `yaml:"host"`
	// Port defaults to 587 (starttls, opportunistic), 465 (tls) or 25 (none).
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// From is the sender, with a display name:
	// "Université de Lorraine <no-reply@univ-lorraine.fr>".
	From string `yaml:"from"`
	// TLS is one of starttls (default), opportunistic, tls, none.
	TLS string `yaml:"tls"`
	// CAFile is a PEM bundle to trust instead of the system roots
	// (a relay with an internal CA).
	CAFile string `yaml:"ca_file"`
	// Timeout bounds connecting and each command; default 15s.
	Timeout time.Duration `yaml:"timeout"`
}

// SMTP sends mail through one SMTP server (a submission server or relay).
type SMTP struct {
	host    string
	from    *mail.Address
	client  *gomail.Client // the settings; it dials the sessions
	timeout time.Duration
	// idle are sessions kept open between mails: at the rentrée, codes
	// go out by the dozen each second, and a session per mail costs a
	// connection, EHLO, STARTTLS's handshake and AUTH each time, on both
	// sides.
	idle chan *smtpSession
}

// smtpSession is a connection to the server, logged in, between mails.
type smtpSession struct {
	c    *smtp.Client
	used time.Time
}

const (
	// idleSessions is how many sessions wait for the next mail.
	idleSessions = 4
	// sessionIdle is how long one may wait: servers must wait 5 minutes
	// for a command (RFC 5321 §4.5.3.2.7), many wait less.
	sessionIdle = 30 * time.Second
)

// NewSMTP checks cfg and returns a mailer. It does not connect: a mail
// server that is down at start must not stop the IdP from serving logins.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	var errs []error
	if cfg.Host == "" {
		errs = append(errs, errors.New("host: required"))
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		errs = append(errs, fmt.Errorf("from: %q: %w", cfg.From, err))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: %s: must be positive", cfg.Timeout))
	}
	tlsOpts, err := smtpTLS(cfg)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	opts := append(tlsOpts, gomail.WithTimeout(timeout))
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp client: %w", err)
	}
	return &SMTP{host: cfg.Host, from: from, client: c, timeout: timeout, idle: make(chan *smtpSession, idleSessions)}, nil
}

// smtpTLS returns the port and TLS options for cfg.TLS.
func smtpTLS(cfg SMTPConfig) ([]gomail.Option, error) {
	tc := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file: %s: no PEM certificate", cfg.CAFile)
		}
	}
	port := func(def int) gomail.Option {
		if cfg.Port != 0 {
			return gomail.WithPort(cfg.Port)
		}
		return gomail.WithPort(def)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("port: %d: out of range", cfg.Port)
	}
	switch cfg.TLS {
	case TLSStartTLS, "":
		return []gomail.Option{port(587), gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithTLSConfig(tc)}, nil
	case TLSOpportunistic:
		return []gomail.Option{port(587), gomail.WithTLSPolicy(gomail.TLSOpportunistic), gomail.WithTLSConfig(tc)}, nil
	case TLSImplicit:
		return []gomail.Option{port(465), gomail.WithSSL(), gomail.WithTLSConfig(tc)}, nil
	case TLSNone:
		return []gomail.Option{port(25), gomail.WithTLSPolicy(gomail.NoTLS)}, nil
	}
	return nil, fmt.Errorf("tls: %q: want starttls, opportunistic, tls or none", cfg.TLS)
}

// SendMail sends m, as multipart/alternative (text then HTML) when m.HTML
// is set, on a session left open by an earlier mail if one is, else on
// a new one. A session the server has closed meanwhile fails its NOOP,
// before anything of m is sent: m then goes on another.
func (s *SMTP) SendMail(ctx context.Context, m Mail) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	for {
		sess, reused, err := s.session(ctx)
		if err != nil {
			return fmt.Errorf("notify: smtp send via %s: dial: %w", s.host, err)
		}
		err = s.client.SendWithSMTPClient(sess.c, msg)
		if err == nil {
			s.keep(sess)
			return nil
		}
		_ = sess.c.Close()
		var se *gomail.SendError
		if reused && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
			continue // closed while idle: nothing of m went
		}
		return fmt.Errorf("notify: smtp send via %s: %w", s.host, err)
	}
}

// session returns an idle session, its deadline renewed, or dials one.
func (s *SMTP) session(ctx context.Context) (*smtpSession, bool, error) {
	for {
		select {
		case sess := <-s.idle:
			if time.Since(sess.used) > sessionIdle || sess.c.UpdateDeadline(s.timeout) != nil {
				_ = sess.c.Close()
				continue
			}
			return sess, true, nil
		default:
			c, err := s.client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				return nil, false, err
			}
			return &smtpSession{c: c}, false, nil
		}
	}
}

// keep leaves sess open for the next mail, or says goodbye when enough
// sessions wait already.
func (s *SMTP) keep(sess *smtpSession) {
	sess.used = time.Now()
	select {
	case s.idle <- sess:
	default:
		_ = s.client.CloseWithSMTPClient(sess.c)
	}
}

// Close ends the sessions left open.
func (s *SMTP) Close() {
	for {
		select {
		case sess := <-s.idle:
			_ = s.client.CloseWithSMTPClient(sess.c)
		default:
			return
		}
	}
}

func (s *SMTP) message(m Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("notify: recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(messageID(s.from.Address))
	// RFC 3834: tells auto-responders not to answer.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID is random@sender-domain, so that IDs are unique across replicas
// and do not reveal the host name.
func messageID(from string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	domain := "seuil.invalid"
	if addr, err := mail.ParseAddress(from); err == nil {
		for i := len(addr.Address) - 1; i >= 0; i-- {
			if addr.Address[i] == '@' {
				domain = addr.Address[i+1:]
				break
			}
		}
	}
	return hex.EncodeToString(b) + "@" + domain
}
