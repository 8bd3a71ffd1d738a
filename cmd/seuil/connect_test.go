package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/flows/notify/smtptest"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// check-config --connect reaches what the configuration names, as serve
// will, sending nothing: against slapd, redis-server, the SMTP server of
// the tests and a loopback SMS API, each answers ok (the directory with
// its password policy, the student masked); with the relay and Redis
// gone, each says failed and why, and the exit status is 1.
func TestCheckConfigConnect(t *testing.T) {
	t.Parallel()
	ldapSrv := slapdtest.Start(t, slapdtest.Options{})
	smtp := smtptest.Start(t, smtptest.Options{})
	sent := 0
	sms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent++ }))
	defer sms.Close()
	cfgPath := productionSetup(t, "https://idp.univ-tours.fr", redistest.Start(t), ldapSrv)
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	senders := fmt.Sprintf("mail: {smtp: {host: 127.0.0.1, port: %d, tls: none, from: noreply@univ-tours.fr}}\n"+
		"sms:\n  http:\n    url: %s/send\n    body: '{\"to\":{{.To | json}},\"text\":{{.Body | json}}}'\n    content_type: application/json\n",
		smtp.Port, sms.URL)
	text := strings.Replace(strings.Replace(string(raw), "mail: {outbox: true}\n", "", 1), "sms: {outbox: true}\n", senders, 1)
	writeFile(t, cfgPath, text)

	var out bytes.Buffer
	code := run(context.Background(), []string{"check-config", "--config", cfgPath, "--connect", "--student", "22012345"}, &out, &out)
	for _, want := range []string{"redis      ok: ", "directory  ok: " + ldapSrv.URL,
		"password policy " + ldapSrv.PolicyDN + ": pwdMaxAge 90d, pwdInHistory 5, pwdMinLength 8",
		"flows      ok: ", "sms        ok: ", "mail       ok: ", "students   ok: 22012345 found: INE 123…, mobile +33 7 •• •• •• 99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check-config --connect lacks %q:\n%s", want, out.String())
		}
	}
	if code != 0 || sent != 0 || len(smtp.Messages(t)) != 0 {
		t.Errorf("exit %d, %d SMS and %d mails sent; want 0, none, none\n%s", code, sent, len(smtp.Messages(t)), out.String())
	}

	dead := smtptest.FreePort(t)
	text = strings.Replace(text, fmt.Sprintf("port: %d,", smtp.Port), fmt.Sprintf("port: %d,", dead), 1)
	at := strings.Index(text, "redis: {addrs: [")
	end := at + strings.Index(text[at:], "\n") + 1
	text = text[:at] + fmt.Sprintf("redis: {addrs: [\"127.0.0.1:%d\"]}\n", dead) + text[end:]
	writeFile(t, cfgPath, text)
	out.Reset()
	code = run(context.Background(), []string{"check-config", "--config", cfgPath, "--connect"}, &out, &out)
	for _, want := range []string{"redis      failed: ", "mail       failed: ", "students   not looked up"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("with the relay and Redis gone, lacks %q:\n%s", want, out.String())
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}
