package flows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/students"
)

// guarded puts notify.Guard in front of the outbox's SMS, with the
// flows' own store as the day counter.
func guarded(cfg notify.GuardConfig) envOpt {
	return func(_ *flows.Config, d *flows.Deps) {
		d.SMS = notify.Guard(d.SMS, cfg, d.Store, slog.New(slog.NewTextHandler(io.Discard, nil)), notify.GuardEvents{})
	}
}

// SMS go only to the countries allowed (issue 10, point 9): a number
// elsewhere on record gets the code by e-mail only, and the screen says
// why; within the list, the SMS goes.
func TestSMSCountryAllowList(t *testing.T) {
	t.Parallel()
	abroad := camille
	abroad.Mobile = "+12015550123" // United States: not in the default list
	belgian := camille
	belgian.Mobile = "+32470123456"
	for _, c := range []struct {
		name  string
		typed string
		rec   students.Record
		sms   int
		shows string
	}{
		{"outside the list", "+1 201 555 0123", abroad, 0, "pays de ce numéro"},
		{"in the EU", "+32 470 12 34 56", belgian, 1, "par SMS au"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withStudents(c.rec), guarded(notify.GuardConfig{}))
			b := e.browser(t)
			b.follow("/activation")
			must(t, b.submit("/activation/identify", identifyForm("22012345", "123456789AB", c.typed)), 200,
				"Code d'activation", c.shows, "par courriel à")
			if s, m := e.box.counts(); s != c.sms || m != 1 {
				t.Fatalf("sent %d SMS and %d mails, want %d and 1", s, m, c.sms)
			}
			must(t, b.submit("/activation/verify", url.Values{"code": {e.box.mails[0].Code}}), 200, "Choisissez votre mot de passe")
		})
	}
}

// Once the day's SMS budget is spent, codes go by e-mail only.
func TestSMSDailyBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, guarded(notify.GuardConfig{DailyBudget: 1}))
	b := e.browser(t)
	b.follow("/activation")
	must(t, b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")), 200, "par SMS au")
	other := e.browser(t)
	other.follow("/activation")
	must(t, other.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")), 200,
		"Les SMS sont momentanément suspendus", "par courriel à")
	if s, _ := e.box.counts(); s != 1 {
		t.Fatalf("%d SMS sent, want 1 (the budget)", s)
	}
}

// failing fails every send while down is set.
type failing struct {
	down atomic.Bool
	err  error
	sms  notify.SMSSender
	mail notify.Mailer
}

func (f *failing) SendSMS(ctx context.Context, m notify.SMS) error {
	if f.down.Load() {
		return f.err
	}
	return f.sms.SendSMS(ctx, m)
}

func (f *failing) SendMail(ctx context.Context, m notify.Mail) error {
	if f.down.Load() {
		return errors.New("smtp: 421 service not available")
	}
	return f.mail.SendMail(ctx, m)
}

// A send that reached no one does not count against the student (issue
// 10, point 7): after more failed tries than the student's send budget,
// the code goes once the channels are back.
func TestFailedSendsSpendNoBudget(t *testing.T) {
	t.Parallel()
	fl := &failing{err: errors.New("sms provider: 503")}
	fl.down.Store(true)
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		fl.sms, fl.mail = d.SMS, d.Mail
		d.SMS, d.Mail = fl, fl
	})
	for range 7 { // code_send_per_student allows a burst of 5
		b := e.browser(t)
		b.follow("/activation")
		r := b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
		if r.status == 429 || strings.Contains(r.body, "Trop de") {
			t.Fatalf("failed sends were counted: %d\n%s", r.status, r.body)
		}
	}
	fl.down.Store(false)
	b := e.browser(t)
	b.follow("/activation")
	must(t, b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")), 200, "par SMS au")
}

// A provider that did not answer in time may have taken the SMS (issue
// 10, point 10): the screen does not call it failed.
func TestTimedOutSMSMayArrive(t *testing.T) {
	t.Parallel()
	fl := &failing{err: context.DeadlineExceeded}
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		fl.sms, fl.mail = d.SMS, d.Mail
		d.SMS = smsOnly{fl}
	})
	fl.down.Store(true)
	b := e.browser(t)
	b.follow("/activation")
	r := b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	must(t, r, 200, "par SMS au", "quelques minutes de retard")
	if strings.Contains(r.body, "a échoué") {
		t.Fatalf("a timed-out SMS is reported as failed:\n%s", r.body)
	}
}

// smsOnly exposes only the failing SMS side.
type smsOnly struct{ f *failing }

func (s smsOnly) SendSMS(ctx context.Context, m notify.SMS) error { return s.f.SendSMS(ctx, m) }

// A definition may send codes by e-mail only (channels: [mail]), as ANSSI
// advises against SMS: no SMS goes, and the screen does not call the SMS
// missing or failed.
func TestCodeByMailOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := "name: activation\nsteps:\n  - type: identify\n  - type: verify\n    channels: [mail]\n  - type: password\n  - type: done\n"
	if err := os.WriteFile(filepath.Join(dir, "activation.yaml"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *flows.Config, _ *flows.Deps) { c.DefinitionsDir = dir })
	b := e.browser(t)
	b.follow("/activation")
	r := b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	must(t, r, 200, "par courriel à")
	for _, no := range []string{"par SMS au", "SMS a échoué", "Aucun numéro de portable"} {
		if strings.Contains(r.body, no) {
			t.Errorf("the screen says %q", no)
		}
	}
	if s, m := e.box.counts(); s != 0 || m != 1 {
		t.Fatalf("sent %d SMS and %d mails, want 0 and 1", s, m)
	}
}
