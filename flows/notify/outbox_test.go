package notify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/seuil-idp/seuil/flows/notify"
)

func TestOutboxRing(t *testing.T) {
	t.Parallel()
	o := notify.NewOutbox(3)
	if got := o.Messages(); len(got) != 0 {
		t.Fatalf("empty outbox has %d messages", len(got))
	}
	for i := range 5 {
		if err := o.SendSMS(t.Context(), notify.SMS{To: fmt.Sprint(i), Body: "b", Code: fmt.Sprint(100 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, m := range o.Messages() {
		got = append(got, m.To)
	}
	if strings.Join(got, ",") != "4,3,2" {
		t.Fatalf("Messages = %v, want the 3 newest first (4,3,2)", got)
	}
	if c, ok := o.LastCode("3"); !ok || c != "103" {
		t.Fatalf("LastCode(3) = %q, %v", c, ok)
	}
	if _, ok := o.LastCode("0"); ok {
		t.Fatal("LastCode found a message the ring dropped")
	}
	if n := len(notify.NewOutbox(0).Messages()); n != 0 {
		t.Fatal(n)
	}
}

func TestOutboxConcurrent(t *testing.T) {
	t.Parallel()
	o := notify.NewOutbox(50)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			for j := range 10 {
				_ = o.SendMail(t.Context(), notify.Mail{To: fmt.Sprintf("%d-%d@x", i, j)})
				_ = o.Messages()
			}
		})
	}
	wg.Wait()
	if n := len(o.Messages()); n != 50 {
		t.Fatalf("%d messages kept, want 50", n)
	}
}

// fill sends an SMS then a mail whose bodies try to inject markup.
func fill(t *testing.T) *notify.Outbox {
	o := notify.NewOutbox(0)
	if err := o.SendSMS(t.Context(), notify.SMS{To: "+33612345678", Body: "code <script>alert(1)</script>", Code: "111111"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	m := activationMail
	m.Subject = `Votre code d'activation <b onclick="x">`
	if err := o.SendMail(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	return o
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

func TestOutboxPage(t *testing.T) {
	t.Parallel()
	w := get(t, fill(t).Handler(), notify.OutboxPath)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s = %d %s", notify.OutboxPath, w.Code, w.Header().Get("Content-Type"))
	}
	if w.Header().Get("Cache-Control") != "no-store" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("headers %v", w.Header())
	}
	page := w.Body.String()
	// Nothing that a strict CSP would block, and no markup from a body.
	z := html.NewTokenizer(strings.NewReader(page))
	var text strings.Builder
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if tok.Data == "script" || tok.Data == "style" || tok.Data == "b" {
				t.Errorf("page has a <%s> element", tok.Data)
			}
			for _, a := range tok.Attr {
				if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
					t.Errorf("page has a %s attribute on <%s>", a.Key, tok.Data)
				}
			}
		case html.TextToken:
			text.WriteString(tok.Data)
		}
	}
	if z.Err() != io.EOF {
		t.Fatal(z.Err())
	}
	shown := text.String()
	for _, want := range []string{"code <script>alert(1)</script>", "111111", "483920", `<b onclick="x">`, activationMail.To, "+33612345678"} {
		if !strings.Contains(shown, want) {
			t.Errorf("page text lacks %q", want)
		}
	}
	if strings.Index(page, "483920") > strings.Index(page, "111111") {
		t.Error("page is not newest first")
	}
	if !strings.Contains(page, `href="/static/default/seuil.css"`) {
		t.Error("page does not use the default theme's stylesheet")
	}
}

func TestOutboxJSON(t *testing.T) {
	t.Parallel()
	w := get(t, fill(t).Handler(), notify.OutboxJSONPath)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("GET %s = %d %v", notify.OutboxJSONPath, w.Code, w.Header())
	}
	var got []map[string]any
	d := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	if err := d.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d messages, want 2", len(got))
	}
	mail, sms := got[0], got[1]
	if mail["channel"] != "mail" || mail["recipient"] != activationMail.To || mail["code"] != "483920" ||
		mail["body"] != activationMail.Text || !strings.HasPrefix(mail["subject"].(string), "Votre code") {
		t.Errorf("mail = %v", mail)
	}
	if sms["channel"] != "sms" || sms["recipient"] != "+33612345678" || sms["code"] != "111111" {
		t.Errorf("sms = %v", sms)
	}
	if ts, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(sms["time"])); time.Since(ts) > time.Minute {
		t.Errorf("time = %v", sms["time"])
	}
}

func TestOutboxRoutes(t *testing.T) {
	t.Parallel()
	h := notify.NewOutbox(0).Handler()
	if w := get(t, h, notify.OutboxPath); w.Code != 200 || !strings.Contains(w.Body.String(), "No message yet") {
		t.Errorf("empty page: %d", w.Code)
	}
	if w := get(t, h, "/demo/other"); w.Code != 404 {
		t.Errorf("GET /demo/other = %d, want 404", w.Code)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, notify.OutboxJSONPath, nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d, want 405", w.Code)
	}
}
