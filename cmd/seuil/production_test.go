package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/idp/directory"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/provider/keys"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// TestProductionPath runs the production wiring against real servers: a
// redis-server and an OpenLDAP slapd (SupAnn schema, ppolicy) started for
// the test. `seuil sync` provisions the APOGEE students, a student activates
// through the four screens, OpenLDAP's ppolicy refuses a reused password,
// and a second sync leaves the activated account alone.
func TestProductionPath(t *testing.T) {
	ldapSrv := slapdtest.Start(t, slapdtest.Options{})
	l := listenLoopback(t)
	base := "http://" + l.Addr().String()
	cfgPath := productionSetup(t, base, redistest.Start(t), ldapSrv)

	// 1. seuil sync creates every student, in state "created".
	cfg, report := syncAndLoad(t, cfgPath)
	if !strings.Contains(report, "created 23,") {
		t.Fatalf("first sync: %s", report)
	}
	ld, err := ldapdir.New(context.Background(), ldapConfig(cfg.Directory.LDAP))
	if err != nil {
		t.Fatal(err)
	}
	defer ld.Close()
	acct, err := ld.FindByLogin(context.Background(), "22012345T")
	if err != nil || acct.State != directory.StateCreated {
		t.Fatalf("after sync: %+v, %v", acct, err)
	}

	// 2. The activation through the production wiring.
	a := serveBuilt(t, cfg, l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := &demoEnv{seuil: base, outbox: a.outbox}
	b := newBrowser(t)
	landed := e.activateUntilDone(t, b, b.get(base+"/activation"), "Velo-Rouge-Tours-8")
	if !strings.Contains(landed.body, "22012345T") {
		t.Fatalf("done screen: %s", landed.body)
	}
	acct, err = ld.Authenticate(context.Background(), "22012345T", "Velo-Rouge-Tours-8")
	if err != nil || acct.State != directory.StateActive {
		t.Fatalf("sign-in on OpenLDAP after activation: %+v, %v", acct, err)
	}
	if _, err := ld.Authenticate(context.Background(), "22012345T", "wrong-Password-1"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}

	// 3. A reset with the same password: OpenLDAP's ppolicy history refuses
	// it, and the student sees the "already used" rule.
	b2 := newBrowser(t)
	p := b2.get(base + "/reset")
	p = e.identifyAndVerify(t, b2, p)
	p = b2.submitStatus(p, map[string]string{"password": "Velo-Rouge-Tours-8", "confirm": "Velo-Rouge-Tours-8"},
		http.StatusUnprocessableEntity)
	if !strings.Contains(p.body, "déjà été utilisé") {
		t.Fatalf("reused password not refused:\n%s", p.body)
	}

	// 4. A second sync changes nothing and keeps the account active.
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sync", "--config", cfgPath}, &out, &errOut); code != 0 {
		t.Fatalf("second seuil sync = %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "created 0, updated 0, unchanged 23") {
		t.Fatalf("second sync: %s", out.String())
	}
	if _, err := ld.Authenticate(context.Background(), "22012345T", "Velo-Rouge-Tours-8"); err != nil {
		t.Fatalf("password after second sync: %v", err)
	}
}

// syncAndLoad runs `seuil sync` on the configuration at cfgPath, then
// loads it, as serve would; it returns the configuration and the sync's
// report.
func syncAndLoad(t *testing.T, cfgPath string) (*config.Config, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sync", "--config", cfgPath}, &out, &errOut); code != 0 {
		t.Fatalf("seuil sync = %d\n%s\n%s", code, out.String(), errOut.String())
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, out.String()
}

// serveBuilt builds the production wiring from cfg, as serve does, and
// serves it on l until the test ends.
func serveBuilt(t *testing.T, cfg *config.Config, l net.Listener, log *slog.Logger) *app {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := build(ctx, cfg, buildOptions{logger: log})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: a.handler}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close(); a.close(); cancel() })
	return a
}

// productionSetup writes the demo students' CSV, a signing key and the
// seuil.yaml of the production tests into a new directory, and returns
// the configuration's path.
func productionSetup(t *testing.T, base, redisAddr string, ldapSrv *slapdtest.Server) string {
	t.Helper()
	dir, csv, keyFile := productionFiles(t)
	return writeProductionConfig(t, dir, base, redisAddr, ldapSrv, csv, keyFile, "{level: warn, format: text}", "")
}

// productionFiles writes the demo students' CSV and an ES256 signing key
// into a new directory.
func productionFiles(t *testing.T) (dir, csv, keyFile string) {
	t.Helper()
	dir = t.TempDir()
	csv = filepath.Join(dir, "students.csv")
	if err := os.WriteFile(csv, demoStudents, 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(dir, "es256.pem")
	if err := keys.Generate(keyFile, "ES256"); err != nil {
		t.Fatal(err)
	}
	return dir, csv, keyFile
}

// writeProductionConfig writes the seuil.yaml of the production tests:
// the given redis-server and slapd, the CSV students, the outboxes, and
// clients (YAML list items under oidc.clients; "" for none).
func writeProductionConfig(t *testing.T, dir, base, redisAddr string, ldapSrv *slapdtest.Server, csv, keyFile, logCfg, clients string) string {
	t.Helper()
	if clients != "" {
		clients = "  clients:\n" + clients
	}
	cfgPath := filepath.Join(dir, "seuil.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`
server: {public_url: %q}
log: %s
redis: {addrs: [%q]}
directory:
  ldap:
    url: %s
    bind_dn: %q
    bind_password: %q
    base_dn: %q
    default_policy_dn: %q
    mail_domain: univ-tours.fr
students:
  csv: {path: %q}
mail: {outbox: true}
sms: {outbox: true}
oidc:
  secret: "0123456789abcdef0123456789abcdef-test"
  keys: [{file: %q}]
%s`, base, logCfg, redisAddr, ldapSrv.URL, ldapSrv.ServiceDN, ldapSrv.ServicePassword, ldapSrv.PeopleDN, ldapSrv.PolicyDN,
		csv, keyFile, clients))
	return cfgPath
}

// seuil sync --dry-run prints LDIF: the planned changes, the invalid
// rows and the summary as "#" comments, the summary once, so that its
// output can be fed to ldapmodify or read by an admin as it is.
func TestSyncDryRunIsLDIF(t *testing.T) {
	t.Parallel()
	ldapSrv := slapdtest.Start(t, slapdtest.Options{})
	cfgPath := productionSetup(t, "http://127.0.0.1:1", redistest.Start(t), ldapSrv)
	appendFile(t, filepath.Join(filepath.Dir(cfgPath), "students.csv"),
		"22099999;not-an-ine;Faux;Élève;01/01/2006;0612345678;x@example.org;2026\n")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sync", "--config", cfgPath, "--dry-run"}, &out, &errOut); code != 0 {
		t.Fatalf("seuil sync --dry-run = %d\n%s\n%s", code, out.String(), errOut.String())
	}
	ldifLine := regexp.MustCompile(`^(#.*|-|[A-Za-z][A-Za-z0-9;-]*::? ?.*)$`)
	summaries := 0
	for i, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		if line != "" && !ldifLine.MatchString(line) {
			t.Errorf("line %d is neither LDIF nor a comment: %q", i+1, line)
		}
		if strings.HasPrefix(line, "# created ") {
			summaries++
		}
	}
	if summaries != 1 || !strings.Contains(out.String(), "# invalid row: line 25: student \"22099999\"") {
		t.Errorf("%d summaries, or the invalid row missing:\n%s", summaries, out.String())
	}
}
