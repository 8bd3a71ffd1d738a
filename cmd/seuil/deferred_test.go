package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// An SMS provider that takes 1.5 s does not hold the student: the code
// screen comes within sms.wait and says the SMS is on its way, then,
// once the provider has taken it, that it was sent and when; the code
// (from the e-mail, here the outbox) is taken all the same.
func TestSlowSMSProviderDoesNotHoldTheStudent(t *testing.T) {
	t.Parallel()
	got := make(chan string, 4)
	sms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ To, Text string }
		_ = json.NewDecoder(r.Body).Decode(&m)
		time.Sleep(1500 * time.Millisecond)
		got <- m.To
		_, _ = io.WriteString(w, `{"status":"sent"}`)
	}))
	defer sms.Close()
	l := listenLoopback(t)
	base := "http://" + l.Addr().String()
	cfg := multiSetup(t, base, []string{redistest.Start(t)})
	cfg.SMS.Outbox, cfg.SMS.HTTP = false, &config.SMSHTTP{HTTPSMSConfig: jsonSMSProvider(sms.URL)}
	cfg.SMS.Wait = config.Duration(200 * time.Millisecond)
	a := serveBuilt(t, cfg, l, slog.New(slog.NewTextHandler(io.Discard, nil)))

	b := newBrowser(t)
	p := b.get(base + "/activation")
	start := time.Now()
	p = b.submit(p, map[string]string{"student_id": "22012345", "ine": "123456789ab", "phone": "07 88 10 25 99"})
	if took := time.Since(start); took > time.Second {
		t.Errorf("the code screen took %v with a 1.5 s SMS provider", took)
	}
	if !strings.Contains(p.body, "Le SMS est en cours d&#39;envoi") || !strings.Contains(p.body, `data-follow="3"`) {
		t.Fatalf("the code screen does not say the SMS is on its way:\n%s", p.body)
	}
	select {
	case to := <-got:
		if to != "+33788102599" {
			t.Errorf("the provider got an SMS for %s", to)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the provider never got the SMS")
	}
	var again page
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		again = b.get(p.url.String())
		if strings.Contains(again.body, "Le SMS a été envoyé à ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the code screen never says the SMS was sent:\n%s", again.body)
		}
	}
	if strings.Contains(again.body, "data-follow") || strings.Contains(again.body, "peut arriver avec quelques minutes de retard") {
		t.Errorf("once sent, the screen still follows the SMS or calls it late:\n%s", again.body)
	}
	code := ""
	for _, m := range a.outbox.Messages() {
		if m.Channel == notify.ChannelMail {
			code = m.Code
		}
	}
	done := b.submit(again, map[string]string{"code": code})
	if !strings.Contains(done.body, `name="confirm"`) {
		t.Fatalf("the mailed code was not taken:\n%s", done.body)
	}
}

// Where the SMS provider reports deliveries, the code screen follows the
// SMS past "sent" until the report: "remis à 10:32". The report comes
// to <public_url>/notify/sms/reports with its token, and nothing else
// is heard there.
func TestDeliveryReportOnTheCodeScreen(t *testing.T) {
	t.Parallel()
	sms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":"sent","messageId":"m-42"}`)
	}))
	defer sms.Close()
	l := listenLoopback(t)
	base := "http://" + l.Addr().String()
	cfg := multiSetup(t, base, []string{redistest.Start(t)})
	provider := jsonSMSProvider(sms.URL)
	provider.MessageID = "messageId"
	cfg.SMS.Outbox = false
	cfg.SMS.HTTP = &config.SMSHTTP{HTTPSMSConfig: provider,
		Reports: &config.SMSReports{Token: config.NewSecret("report-token-0123456789"), IDField: "id", StatusField: "status",
			Delivered: []string{"DELIVERED"}, Undelivered: []string{"FAILED"}}}
	serveBuilt(t, cfg, l, slog.New(slog.NewTextHandler(io.Discard, nil)))

	b := newBrowser(t)
	p := b.get(base + "/activation")
	p = b.submit(p, map[string]string{"student_id": "22012345", "ine": "123456789ab", "phone": "07 88 10 25 99"})
	if !strings.Contains(p.body, "Le SMS a été envoyé à ") || !strings.Contains(p.body, `data-follow="3"`) {
		t.Fatalf("the code screen does not follow the sent SMS:\n%s", p.body)
	}
	report := func(token string) int {
		req, _ := http.NewRequest("POST", base+"/notify/sms/reports", strings.NewReader(`{"id":"m-42","status":"DELIVERED"}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("X-Seuil-Token", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := report("not-the-token-0123456"); got != http.StatusUnauthorized {
		t.Fatalf("a report with a wrong token: %d", got)
	}
	if again := b.get(p.url.String()); strings.Contains(again.body, "remis") {
		t.Fatal("a refused report changed the screen")
	}
	if got := report("report-token-0123456789"); got != http.StatusNoContent {
		t.Fatalf("the provider's report: %d", got)
	}
	again := b.get(p.url.String())
	if !strings.Contains(again.body, "Le SMS a été remis à ") || strings.Contains(again.body, "data-follow") {
		t.Fatalf("the code screen after the report:\n%s", again.body)
	}
}

// jsonSMSProvider is an SMS provider's API at url taking JSON
// {"to", "text"} and answering {"status": "sent"}.
func jsonSMSProvider(url string) notify.HTTPSMSConfig {
	return notify.HTTPSMSConfig{URL: url, Method: "POST", Body: `{"to":{{.To | json}},"text":{{.Body | json}}}`,
		ContentType: "application/json", Success: notify.SuccessCheck{JSONField: "status", JSONValues: []string{"sent"}},
		Timeout: 10 * time.Second}
}
