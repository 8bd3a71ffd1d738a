package main

import (
	"context"
	"html"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students"
)

// A sign-in on slapd that uses one of ppolicy's grace logins (the
// password a year and a day old, two grace logins) lands on a page that
// says so and how many remain, with the change of password one click
// away; the change goes through the expired flow, which says when the
// password expired, and the next sign-in is an ordinary one.
func TestGraceLoginSaysSo(t *testing.T) {
	t.Parallel()
	ldapSrv := slapdtest.Start(t, slapdtest.Options{MaxAge: 365 * 24 * time.Hour, GraceLogins: 2})
	l := listenLoopback(t)
	base := "http://" + l.Addr().String()
	cfg, err := config.Load(productionSetup(t, base, redistest.Start(t), ldapSrv))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir, err := ldapdir.New(ctx, ldapConfig(cfg.Directory.LDAP))
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	const login = "22050001T"
	if _, err := dir.Ensure(ctx, students.Record{StudentID: "22050001", INE: "123456789AB", FirstName: "Gaël", LastName: "Grace"}, login); err != nil {
		t.Fatal(err)
	}
	if err := dir.SetPassword(ctx, login, "Grace-pass-2026"); err != nil {
		t.Fatal(err)
	}
	ldapSrv.Backdate(t, "uid="+login+","+ldapSrv.PeopleDN, time.Now().Add(-366*24*time.Hour))

	serveBuilt(t, cfg, l, log)

	b := newBrowser(t)
	p := b.submit(b.get(base+"/login"), map[string]string{"login": login, "password": "Grace-pass-2026"})
	for _, want := range []string{"Votre mot de passe a expiré", "Il vous en reste 1", "Choisir un nouveau mot de passe", "Continuer sans changer"} {
		if !strings.Contains(html.UnescapeString(p.body), want) {
			t.Fatalf("grace page lacks %q:\n%s", want, p.body)
		}
	}
	// The page is reached by a redirect: a reload shows it again and
	// spends no other grace login.
	if again := b.get(p.url.String()); p.url.Query().Get("grace") == "" || !strings.Contains(again.body, "Il vous en reste 1") {
		t.Errorf("reloading %s:\n%s", p.url, again.body)
	}
	m := regexp.MustCompile(`href="([^"]*/expired\?handover=[^"]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no link to the change of password:\n%s", p.body)
	}
	p = b.get(base + html.UnescapeString(m[1]))
	if want := "Votre mot de passe a expiré le " + time.Now().Add(-24*time.Hour).Format("02/01/2006"); !strings.Contains(html.UnescapeString(p.body), want) {
		t.Fatalf("expired flow lacks %q:\n%s", want, p.body)
	}
	p = b.submit(p, map[string]string{"password": "Lune-Orange-Pluie-27", "confirm": "Lune-Orange-Pluie-27"})
	if !strings.Contains(p.body, "Mot de passe changé") {
		t.Fatalf("after the change:\n%s", p.body)
	}
	acc, err := dir.Authenticate(ctx, login, "Lune-Orange-Pluie-27")
	if err != nil || acc.InGrace {
		t.Errorf("sign-in with the new password: %+v, %v; want an ordinary one", acc, err)
	}
}
