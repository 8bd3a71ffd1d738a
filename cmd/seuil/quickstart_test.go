package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/flows/notify/smtptest"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// The README's production quickstart, walked: seuil init, the service
// account's password from secrets/ given to slapd as 20-entries.ldif
// says, the values marked EDIT edited for this site (a slapd, a
// redis-server, an SMTP relay with STARTTLS and a password, an SMS API,
// the APOGEE extraction), check-config --connect ok, serve ready.
func TestProductionQuickstart(t *testing.T) {
	t.Parallel()
	ldapSrv := slapdtest.Start(t, slapdtest.Options{MaxAge: 365 * 24 * time.Hour})
	relay := smtptest.Start(t, smtptest.Options{Mode: "starttls", User: "seuil", Password: "relay-Secret-7"})
	sms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }))
	defer sms.Close()
	redisAddr := redistest.Start(t)
	dir := filepath.Join(t.TempDir(), "seuil")

	// 1. seuil init.
	var out bytes.Buffer
	if code := run(context.Background(), []string{"init", dir, "--base-dn", ldapSrv.Suffix,
		"--public-url", "https://compte.univ-tours.fr"}, &out, &out); code != 0 {
		t.Fatalf("seuil init = %d\n%s", code, out.String())
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// 2. The directory admin's part: slapd already has the schemas, the
	// overlay, the ACL and the entries; the service account gets the
	// password init made, as 20-entries.ldif gives it.
	entries := read("ldap/20-entries.ldif")
	bindPassword := strings.TrimSpace(read("secrets/ldap-bind-password"))
	for _, dn := range []string{ldapSrv.ServiceDN, ldapSrv.PolicyDN, ldapSrv.PeopleDN} {
		if !strings.Contains(entries, "dn: "+dn+"\n") {
			t.Errorf("20-entries.ldif lacks %s", dn)
		}
	}
	if !strings.Contains(entries, "userPassword: "+bindPassword+"\n") {
		t.Error("20-entries.ldif does not give the service account secrets/ldap-bind-password")
	}
	mod := ldap.NewModifyRequest(ldapSrv.ServiceDN, nil)
	mod.Replace("userPassword", []string{bindPassword})
	if err := ldapSrv.Admin(t).Modify(mod); err != nil {
		t.Fatal(err)
	}
	// 3. The values marked EDIT, and the two secrets to paste.
	cfg := read("seuil.yaml")
	if n := strings.Count(cfg, "# EDIT"); n != 7 {
		t.Errorf("%d values marked EDIT, the README says seven", n)
	}
	csv := filepath.Join(dir, "apogee.csv")
	writeFile(t, csv, string(demoStudents))
	port := listenLoopback(t)
	addr := port.Addr().String()
	port.Close()
	for old, new := range map[string]string{
		`addr: ":8080"`:                                  fmt.Sprintf("addr: %q", addr),
		`addrs: ["127.0.0.1:6379"]`:                      fmt.Sprintf("addrs: [%q]", redisAddr),
		"url: ldaps://ldap.univ-tours.fr":                "url: " + ldapSrv.URL,
		"path: /var/lib/seuil/apogee.csv":                "path: " + csv,
		"host: smtp.univ-tours.fr":                       "host: 127.0.0.1",
		"port: 587":                                      fmt.Sprintf("port: %d\n    ca_file: %s", relay.Port, relay.CAFile),
		"https://api.brevo.com/v3/transactionalSMS/send": sms.URL + "/send",
	} {
		if !strings.Contains(cfg, old) {
			t.Fatalf("seuil.yaml has no %q to edit:\n%s", old, cfg)
		}
		cfg = strings.Replace(cfg, old, new, 1)
	}
	writeFile(t, filepath.Join(dir, "seuil.yaml"), cfg)
	writeFile(t, filepath.Join(dir, "secrets", "smtp-password"), "relay-Secret-7\n")
	writeFile(t, filepath.Join(dir, "secrets", "sms-api-key"), "sms-key\n")

	// 4. check-config --connect.
	out.Reset()
	cfgPath := filepath.Join(dir, "seuil.yaml")
	if code := run(context.Background(), []string{"check-config", "--config", cfgPath, "--connect", "--student", "22012345"}, &out, &out); code != 0 {
		t.Fatalf("check-config --connect = %d\n%s", code, out.String())
	}
	for _, want := range []string{"ok: " + cfgPath, "pwdMaxAge 365d", "students   ok: 22012345 found"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check-config --connect lacks %q:\n%s", want, out.String())
		}
	}

	// 5. serve, until ready.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var serveOut bytes.Buffer
	go func() { done <- run(ctx, []string{"serve", "--config", cfgPath}, &serveOut, &serveOut) }()
	ready := false
	for i := 0; i < 100 && !ready; i++ {
		time.Sleep(100 * time.Millisecond)
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			ready = resp.StatusCode == http.StatusOK
			resp.Body.Close()
		}
	}
	cancel()
	if code := <-done; !ready || code != 0 {
		t.Fatalf("serve ready %t, exit %d\n%s", ready, code, serveOut.String())
	}
}
