package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/students"
)

// This file turns configuration sections into components, one constructor
// call each. Closers are collected so that shutdown releases them.

type closers []func() error

func (c *closers) add(f func() error) { *c = append(*c, f) }

func (c closers) close() {
	for i := len(c) - 1; i >= 0; i-- {
		_ = c[i]()
	}
}

func newLogger(l config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: l.SlogLevel()}
	if l.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// newRedis returns a single, Sentinel or Cluster client, as the
// configuration says (go-redis picks from Addrs and MasterName).
func newRedis(c redisSettings) (redis.UniversalClient, error) {
	opts := c.Options
	if c.TLS != nil {
		tc := &tls.Config{ServerName: c.TLS.ServerName, MinVersion: tls.VersionTLS12}
		if c.TLS.CAFile != "" {
			pool, err := caPool(c.TLS.CAFile)
			if err != nil {
				return nil, fmt.Errorf("redis.tls.ca_file: %w", err)
			}
			tc.RootCAs = pool
		}
		opts.TLSConfig = tc
	}
	return redis.NewUniversalClient(&opts), nil
}

// openDirectory opens the configured directory and returns it with its
// readiness check (the embedded store is always ready).
func openDirectory(ctx context.Context, c directorySettings, log *slog.Logger, cl *closers) (directory.Directory, func(context.Context) error, error) {
	if c.LDAP == nil {
		d, err := embedded.Open(c.Embedded, embedded.Options{Logger: log})
		if err != nil {
			return nil, nil, fmt.Errorf("directory.embedded: %w", err)
		}
		return d, func(context.Context) error { return nil }, nil
	}
	lc := *c.LDAP
	lc.Logger = log
	d, err := ldapdir.New(ctx, lc)
	if err != nil {
		return nil, nil, fmt.Errorf("directory.ldap: %w", err)
	}
	cl.add(func() error { d.Close(); return nil })
	d.Observe(observeLDAP)
	poolLDAP.Store(d)
	return d, d.Ping, nil
}

// openStudents opens the configured student source for live lookups.
func openStudents(ctx context.Context, c config.Students, log *slog.Logger, cl *closers) (config.StudentSource, error) {
	s, closeFn, err := c.Open(ctx, log)
	if err != nil {
		return nil, err
	}
	cl.add(closeFn)
	if csv, ok := s.(*students.CSV); ok {
		csvInvalid.Store(csv)
	}
	return s, nil
}

// skippedRows is the source's list of rows left out at its last load,
// for the console, when it keeps one (the CSV source).
func skippedRows(src config.StudentSource) func() ([]students.SkippedRow, int) {
	if s, ok := src.(interface {
		Skipped() ([]students.SkippedRow, int)
	}); ok {
		return s.Skipped
	}
	return nil
}

// openSenders returns the SMS and mail senders, each wrapped so that every
// send is logged with a masked recipient and followed for readiness (one
// Health per channel, SMS first). outbox is set when either sender is the
// in-memory outbox (demo).
//
// With deferred, no student's request waits on a provider longer than
// sms.wait or mail.wait: the messages go through a notify.Deferred
// (returned, to be Run and asked for deliveries) inside the guard, whose
// refusals stay immediate. Batch commands (remind) and check-config send
// or probe directly.
func openSenders(c settings, store *state.Store, log *slog.Logger, deferred bool) (notify.SMSSender, notify.Mailer, []*notify.Health, *notify.Outbox, *notify.Deferred, error) {
	var box *notify.Outbox
	if c.Mail.Outbox || c.SMS.Outbox {
		box = notify.NewOutbox(0)
	}
	var sms notify.SMSSender = box
	smsHealth := notify.NewHealth("sms", nil)
	if h := c.SMS.HTTP; h != nil {
		s, err := notify.NewHTTPSMS(*h, c.SMS.secret)
		if err != nil {
			return nil, nil, nil, nil, nil, fmt.Errorf("sms.http: %w", err)
		}
		sms, smsHealth = s, notify.NewHealth("sms", s)
	}
	var mail notify.Mailer = box
	mailHealth := notify.NewHealth("mail", nil)
	if m := c.Mail.SMTP; m != nil {
		s, err := notify.NewSMTP(*m)
		if err != nil {
			return nil, nil, nil, nil, nil, fmt.Errorf("mail.smtp: %w", err)
		}
		mail, mailHealth = s, notify.NewHealth("mail", s)
	}
	var toSMS notify.SMSSender = notify.WatchSMS(notify.LogSMS(meteredSMS{sms}, log), smsHealth)
	var toMail notify.Mailer = notify.WatchMail(notify.LogMail(meteredMail{mail}, log), mailHealth)
	var d *notify.Deferred
	if deferred {
		var err error
		d, err = notify.NewDeferred(store.Client(), notify.DeferredConfig{Wait: c.SMS.Wait, MailWait: c.Mail.Wait,
			Key: c.Keys.Sends, Prefix: c.Redis.KeyPrefix}, toSMS, toMail, log)
		if err != nil {
			return nil, nil, nil, nil, nil, err
		}
		toSMS, toMail = d.SMS(), d.Mail()
	}
	// The guard is outermost: an SMS it holds back on purpose (country,
	// budget) is no failure of the channel.
	guarded := notify.Guard(toSMS, c.SMS.Guard, store, log,
		notify.GuardEvents{
			Refused: func(reason string) { smsRefused.WithLabelValues(reason).Inc() },
			Counted: func(day int64, budget int) { smsToday.Set(float64(day)); smsBudget.Set(float64(budget)) },
		})
	return guarded, toMail, []*notify.Health{smsHealth, mailHealth}, box, d, nil
}

func trustedProxies(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

func caPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return pool, nil
}
