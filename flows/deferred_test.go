package flows_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/notify"
)

// slow delays every message by d before it reaches the outbox.
type slow struct {
	d    time.Duration
	sms  notify.SMSSender
	mail notify.Mailer
}

func (s slow) SendSMS(ctx context.Context, m notify.SMS) error {
	time.Sleep(s.d)
	return s.sms.SendSMS(ctx, m)
}

func (s slow) SendMail(ctx context.Context, m notify.Mail) error {
	time.Sleep(s.d)
	return s.mail.SendMail(ctx, m)
}

// With providers slower than their wait, the screens go on: the code
// screen says the SMS is on its way, then that it was sent; the code is
// taken; the done screen says the confirmation mail went, since it is on
// its way too.
func TestSendsDeferredPastTheirWait(t *testing.T) {
	t.Parallel()
	var def *notify.Deferred
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		s := slow{d: 300 * time.Millisecond, sms: d.SMS, mail: d.Mail}
		var err error
		def, err = notify.NewDeferred(d.Store.Client(), notify.DeferredConfig{Wait: 30 * time.Millisecond, MailWait: 30 * time.Millisecond,
			Key: []byte("0123456789abcdef0123456789abcdef"), Prefix: "t:"}, s, s, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		d.SMS, d.Mail, d.Deliveries = def.SMS(), def.Mail(), def
	})
	b := e.browser(t)
	b.follow("/activation")
	start := time.Now()
	r := b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	must(t, r, 200, "par SMS au", "Le SMS est en cours d'envoi", `data-follow="3"`)
	if st, err := def.Last(context.Background(), "22012345"); err != nil || st.State != notify.Sending {
		t.Errorf("the helpdesk's last SMS: %+v, %v; want sending", st, err)
	}
	if took := time.Since(start); took > 250*time.Millisecond {
		t.Errorf("the code screen took %v with 300 ms providers", took)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r = b.get("/activation/verify")
		if strings.Contains(r.body, "Le SMS a été envoyé à ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen never says the SMS was sent:\n%s", r.body)
		}
	}
	r = b.submit("/activation/verify", url.Values{"code": {e.box.lastCode(t)}})
	must(t, r, 200, "Choisissez votre mot de passe")
	r = b.submit("/activation/password", pwForm("Velo-Rouge-Tours-8", "Velo-Rouge-Tours-8"))
	must(t, r, 200, "Un courriel de confirmation a été envoyé à")
}
