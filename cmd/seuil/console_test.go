package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/pquerna/otp/totp"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/idp/audit"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/students/pgtest"
)

var secretRE = regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`)

// TestConsoleOnProduction runs the staff console on the production
// wiring: roles from eduPersonEntitlement and an LDAP group on real
// slapd, second factors sealed in the directory, the audit trail in
// PostgreSQL. The second factor survives a restart of the replica and of
// Redis; a student, a helpdesk member on admin pages, a form without its
// token and a search with filter metacharacters all get nothing.
func TestConsoleOnProduction(t *testing.T) {
	t.Parallel()
	ldapSrv := slapdtest.Start(t, slapdtest.Options{})
	dsn := pgtest.Start(t)
	l := listenLoopback(t)
	base := "http://" + l.Addr().String()
	cfgPath := productionSetup(t, base, redistest.Start(t), ldapSrv)
	group := "cn=seuil-admins,ou=groups," + ldapSrv.Suffix
	appendFile(t, cfgPath, fmt.Sprintf(`
staff:
  credentials_key: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
  helpdesk: {entitlements: ["urn:mace:univ-tours.fr:seuil:helpdesk"]}
  admin: {groups: [%q]}
audit:
  store: postgres
  dsn: %q
`, group, dsn))

	// Two staff accounts in the directory: one by entitlement, one by group.
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ld, err := ldapdir.New(ctx, ldapConfig(cfg.Directory.LDAP))
	if err != nil {
		t.Fatal(err)
	}
	defer ld.Close()
	admin := ldapSrv.Admin(t)
	for _, s := range []struct{ login, id string }{{"hsupport", "90000001"}, {"dsiadmin", "90000002"}} {
		if _, err := ld.Ensure(ctx, students.Record{StudentID: s.id, FirstName: "S", LastName: "Staff"}, s.login); err != nil {
			t.Fatal(err)
		}
		if err := ld.SetPassword(ctx, s.login, "Staff-Password-42"); err != nil {
			t.Fatal(err)
		}
	}
	mod := ldap.NewModifyRequest("uid=hsupport,"+ldapSrv.PeopleDN, nil)
	mod.Add("eduPersonEntitlement", []string{"urn:mace:univ-tours.fr:seuil:helpdesk"})
	if err := admin.Modify(mod); err != nil {
		t.Fatal(err)
	}
	add := ldap.NewAddRequest(group, nil)
	add.Attribute("objectClass", []string{"groupOfNames"})
	add.Attribute("member", []string{"uid=dsiadmin," + ldapSrv.PeopleDN})
	if err := admin.Add(add); err != nil {
		t.Fatal(err)
	}

	start := func(ctx context.Context, cfg *config.Config) (*app, func()) {
		a, err := build(ctx, cfg, buildOptions{logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return a, a.close
	}
	a, stop := start(ctx, cfg)
	srv := &http.Server{Handler: a.handler}
	go srv.Serve(l)

	signIn := func(b *browser, login string) page {
		t.Helper()
		p := b.get(base + "/admin/")
		if !strings.Contains(p.url.Path, "/login") {
			t.Fatalf("no session: landed on %s", p.url)
		}
		return b.submit(p, map[string]string{"login": login, "password": "Staff-Password-42"})
	}
	enrol := func(b *browser, login string) {
		t.Helper()
		p := signIn(b, login)
		m := secretRE.FindStringSubmatch(p.body)
		if m == nil || !strings.HasSuffix(p.url.Path, "/admin/enrol") {
			t.Fatalf("%s: no enrolment after sign-in (%s)", login, p.url)
		}
		code, _ := totp.GenerateCode(m[1], time.Now())
		p = b.submit(p, map[string]string{"code": code})
		if !strings.Contains(p.body, "codes de secours") {
			t.Fatalf("%s: no recovery codes:\n%s", login, p.body)
		}
	}

	// A student's session reaches no console page.
	st := newBrowser(t)
	e := &demoEnv{seuil: base, outbox: a.outbox}
	e.activateUntilDone(t, st, st.get(base+"/activation"), "Velo-Rouge-Tours-8")
	for _, path := range []string{"/admin/", "/admin/case?student=22012345", "/admin/audit"} {
		st.readStatus(mustGet(t, st, base+path), http.StatusForbidden)
	}
	// Were that student also helpdesk staff, the activation's session
	// ("otp": the code by SMS) is no second factor: the console asks for
	// its own.
	mod = ldap.NewModifyRequest("uid=22012345T,"+ldapSrv.PeopleDN, nil)
	mod.Add("eduPersonEntitlement", []string{"urn:mace:univ-tours.fr:seuil:helpdesk"})
	if err := admin.Modify(mod); err != nil {
		t.Fatal(err)
	}
	if p := st.get(base + "/admin/case?student=22012345"); !strings.HasSuffix(p.url.Path, "/admin/enrol") {
		t.Fatalf("an activation's session opened the console: %s", p.url)
	}

	// Without the second factor, no console page: every one leads to it.
	hd := newBrowser(t)
	p := signIn(hd, "hsupport")
	if !strings.HasSuffix(p.url.Path, "/admin/enrol") {
		t.Fatalf("helpdesk without a factor landed on %s", p.url)
	}
	if p := hd.get(base + "/admin/case?student=22012345"); !strings.HasSuffix(p.url.Path, "/admin/enrol") {
		t.Fatalf("a case page without the second factor: %s", p.url)
	}
	code, _ := totp.GenerateCode(secretRE.FindStringSubmatch(p.body)[1], time.Now())
	if p := hd.submit(p, map[string]string{"code": code}); !strings.Contains(p.body, "codes de secours") {
		t.Fatalf("enrolment: %s", p.body)
	}

	// The helpdesk member: cases yes, admin pages no; a search with
	// metacharacters matches nothing; a POST without the token is refused.
	if p := hd.get(base + "/admin/search?q=22012345T"); !strings.Contains(p.body, "Dossier 22012345") {
		t.Fatalf("search by login:\n%s", p.body)
	}
	for _, q := range []string{"*)(uid=*", "*", "a*@example.org", "%"} {
		if p := hd.get(base + "/admin/search?q=" + urlQuery(q)); !strings.Contains(p.body, "Aucun dossier") {
			t.Errorf("search %q matched something:\n%s", q, p.body)
		}
	}
	hd.readStatus(mustGet(t, hd, base+"/admin/audit"), http.StatusForbidden)
	resp, err := hd.c.PostForm(base+"/admin/case/unblock", map[string][]string{"student": {"22012345"}, "reason": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	hd.readStatus(resp, http.StatusForbidden)
	casePage := hd.get(base + "/admin/case?student=22012345")
	if !strings.Contains(casePage.body, "22012345T") || strings.Contains(casePage.body, "07 88 10 25 99") || strings.Contains(casePage.body, "+33788102599") {
		t.Fatalf("case page (account, masked contacts):\n%s", casePage.body)
	}

	// The admin by group membership enrols and reads the trail.
	ad := newBrowser(t)
	enrol(ad, "dsiadmin")
	if p := ad.get(base + "/admin/audit?kind=staff."); !strings.Contains(p.body, "staff.enrol") || !strings.Contains(p.body, "staff.lookup") {
		t.Fatalf("audit page:\n%s", p.body)
	}

	// Every console page leads to signing out (ASVS 5.0 V7.4.4): the
	// provider's logout asks for confirmation, then the console asks for
	// the sign-in again.
	home := ad.get(base + "/admin/")
	m := regexp.MustCompile(`<a href="([^"]*/oauth2/logout)">Se déconnecter</a>`).FindStringSubmatch(home.body)
	if m == nil {
		t.Fatalf("no sign-out link on the console:\n%s", home.body)
	}
	bye := ad.submit(ad.get(base+m[1]), nil)
	if p := ad.get(base + "/admin/"); !strings.Contains(p.body, `name="password"`) {
		t.Fatalf("still in the console after signing out (%s):\n%s", bye.url, p.body)
	}

	// Every replica and Redis restart: the enrolment is still there (the
	// sign-in asks for the code, not for a new enrolment).
	srv.Close()
	stop()
	cfg.Redis.Addrs = []string{redistest.Start(t)}
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	a2, stop2 := start(ctx2, cfg)
	defer stop2()
	l2 := listenAt(t, l.Addr().String())
	srv2 := &http.Server{Handler: a2.handler}
	go srv2.Serve(l2)
	defer srv2.Close()
	again := newBrowser(t)
	if p := signIn(again, "hsupport"); !strings.HasSuffix(p.url.Path, "/admin/verify") {
		t.Fatalf("after restarting Seuil and Redis the enrolment is lost: %s", p.url)
	}

	// The trail is in PostgreSQL, with the student's steps and the staff's.
	pg, err := audit.OpenPostgres(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	kinds := map[string]bool{}
	_ = pg.Query(ctx, audit.Filter{}, func(e audit.Event) error { kinds[e.Kind+"/"+e.Outcome] = true; return nil })
	for _, k := range []string{"flow.started/ok", "flow.step/ok", "code.sent/ok", "signin/ok", "staff.enrol/ok", "staff.lookup/ok"} {
		if !kinds[k] {
			t.Errorf("audit trail lacks %s (has %v)", k, kinds)
		}
	}
}

func mustGet(t *testing.T, b *browser, u string) *http.Response {
	t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// listenAt listens again on addr (a restarted replica keeps its URL).
func listenAt(t *testing.T, addr string) net.Listener {
	t.Helper()
	var err error
	for range 50 {
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			return l
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal(err)
	return nil
}

func appendFile(t *testing.T, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
}
