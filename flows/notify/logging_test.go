package notify_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/flows/notify/smtptest"
)

func logRecords(t *testing.T, buf *bytes.Buffer) []map[string]any {
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	return recs
}

func TestLogging(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	o := notify.NewOutbox(0)
	if err := notify.LogSMS(o, log).SendSMS(t.Context(), notify.SMS{To: "+33612345678", Body: "code 483920", Code: "483920"}); err != nil {
		t.Fatal(err)
	}
	if err := notify.LogMail(o, log).SendMail(t.Context(), activationMail); err != nil {
		t.Fatal(err)
	}
	// A real SMTP server that is not there: the failure is logged too.
	dead, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: smtptest.FreePort(t), TLS: notify.TLSNone, From: "u@univ.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := notify.LogMail(dead, log).SendMail(t.Context(), activationMail); err == nil {
		t.Fatal("SendMail to a closed port succeeded")
	}
	if len(o.Messages()) != 2 {
		t.Fatalf("decorators did not pass messages on: %d", len(o.Messages()))
	}
	out := buf.String()
	for _, secret := range []string{"483920", "+33612345678", "612345678", "jeanne.dupont", "Bonjour"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	recs := logRecords(t, &buf)
	want := []struct{ msg, level, to string }{
		{"sms sent", "INFO", "+33 6 •• •• •• 78"},
		{"mail sent", "INFO", "j•••@example.org"},
		{"mail failed", "ERROR", "j•••@example.org"},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d log records, want %d:\n%s", len(recs), len(want), out)
	}
	for i, w := range want {
		r := recs[i]
		if r["msg"] != w.msg || r["level"] != w.level || r["to"] != w.to {
			t.Errorf("record %d = %v, want %s %s to=%s", i, r, w.level, w.msg, w.to)
		}
	}
	if recs[2]["error"] == nil {
		t.Error("failure logged without its error")
	}
}
