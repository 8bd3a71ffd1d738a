package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows/notify/smtptest"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students"
)

// seuil remind against slapd (a one-year pwdMaxAge, pwdChangedTime
// backdated), redis-server and a real SMTP server: the students 30 and 7
// days from expiry get one e-mail each, with the date and the link that
// starts the change; a second run the same day sends nothing; a
// password further from expiry, already expired, or of an account not
// yet activated, gets none.
func TestRemind(t *testing.T) {
	t.Parallel()
	ldapSrv := slapdtest.Start(t, slapdtest.Options{MaxAge: 365 * 24 * time.Hour})
	smtp := smtptest.Start(t, smtptest.Options{})
	cfgPath := productionSetup(t, "https://idp.univ-tours.fr", redistest.Start(t), ldapSrv)
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(raw), "mail: {outbox: true}",
		fmt.Sprintf("mail: {smtp: {host: 127.0.0.1, port: %d, tls: none, from: noreply@univ-tours.fr}}", smtp.Port), 1)
	writeFile(t, cfgPath, text)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir, err := ldapdir.New(ctx, ldapConfig(cfg.Directory.LDAP))
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	now := time.Now()
	for _, a := range []struct {
		id      string
		changed time.Duration // ago; 0: no password (not activated)
	}{
		{"22040001", 340 * 24 * time.Hour}, // 25 days left: the 30-day reminder
		{"22040002", 360 * 24 * time.Hour}, // 5 days left: the 7-day one only
		{"22040003", 100 * 24 * time.Hour}, // far from expiry
		{"22040004", 370 * 24 * time.Hour}, // already expired: the sign-in handles it
		{"22040005", 0},
	} {
		login := a.id + "T"
		rec := students.Record{StudentID: a.id, INE: "123456789AB", FirstName: "Élise", LastName: "Remind",
			Email: "e" + a.id + "@example.org"}
		if _, err := dir.Ensure(ctx, rec, login); err != nil {
			t.Fatal(err)
		}
		if a.changed == 0 {
			continue
		}
		if err := dir.SetPassword(ctx, login, "Remind-pass-2026"); err != nil {
			t.Fatal(err)
		}
		ldapSrv.Backdate(t, "uid="+login+","+ldapSrv.PeopleDN, now.Add(-a.changed))
	}

	remindOnce := func(wantSent int) {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(ctx, []string{"remind", "--config", cfgPath}, &out, &errOut); code != 0 {
			t.Fatalf("seuil remind = %d\n%s\n%s", code, out.String(), errOut.String())
		}
		if want := fmt.Sprintf("2 due, %d sent, %d already sent", wantSent, 2-wantSent); !strings.Contains(out.String(), want) {
			t.Errorf("seuil remind printed %q, want %q", out.String(), want)
		}
	}
	remindOnce(2)
	remindOnce(0) // the same day again: nothing more

	msgs := smtp.Messages(t)
	if len(msgs) != 2 {
		t.Fatalf("%d mails, want 2", len(msgs))
	}
	got := map[string]string{}
	for _, m := range msgs {
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		to, _ := mail.ParseAddress(m.Header.Get("To"))
		got[to.Address] = subject + "\n" + smtptest.Text(t, m)
	}
	for addr, want := range map[string][]string{
		"e22040001@example.org": {"expire dans 25 jours", "22040001T", now.Add(25 * 24 * time.Hour).Format("02/01/2006"),
			"https://idp.univ-tours.fr/reset"},
		"e22040002@example.org": {"expire dans 5 jours", now.Add(5 * 24 * time.Hour).Format("02/01/2006")},
	} {
		for _, w := range want {
			if !strings.Contains(got[addr], w) {
				t.Errorf("mail to %s lacks %q:\n%s", addr, w, got[addr])
			}
		}
	}

	// 25 days on, the first student reaches the 7-day tier: one more mail.
	ldapSrv.Backdate(t, "uid=22040001T,"+ldapSrv.PeopleDN, now.Add(-360*24*time.Hour+time.Hour))
	var out bytes.Buffer
	if code := run(ctx, []string{"remind", "--config", cfgPath}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "1 sent") {
		t.Errorf("after the 7-day mark: %d %s", code, out.String())
	}
	if n := len(smtp.Messages(t)); n != 3 {
		t.Errorf("%d mails after the 7-day mark, want 3", n)
	}
}
