package console

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/funnel"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/themes"
)

// The campaign page, from counts in Redis: the path drawn with its
// figures and losses in text (readable without colour), the refused
// rules by name, the table by day with its total, and the CSV.
func TestFunnelPage(t *testing.T) {
	t.Parallel()
	counter := funnel.New(redistest.Client(t), "f:", slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { counter.Run(ctx); close(done) }()
	today := time.Now().UTC()
	step := func(detail, outcome string) audit.Event {
		return audit.Event{Kind: audit.KindStep, Flow: "activation", Detail: detail, Outcome: outcome, Time: today}
	}
	for _, e := range []audit.Event{
		{Kind: audit.KindFlowStarted, Flow: "activation", Time: today}, {Kind: audit.KindFlowStarted, Flow: "activation", Time: today},
		{Kind: audit.KindFlowStarted, Flow: "activation", Time: today}, {Kind: audit.KindFlowStarted, Flow: "activation", Time: today},
		step("identify", "ok"), step("identify", "ok"), step("identify", "mismatch"),
		step("verify", "ok"), step("password: password.failed.digit", "refused"), step("password", "ok"),
		{Kind: audit.KindCodeSent, Flow: "activation", Outcome: "ok", Detail: "sms +33 6 •• •• •• 71; mail l•••@example.org", Time: today},
		{Kind: audit.KindCodeSent, Flow: "activation", Outcome: "ok", Detail: "sms +33 7 •• •• •• 99", Time: today},
	} {
		counter.Observe(e)
	}
	cancel()
	<-done

	th, _ := themes.Default()
	c, err := New(Deps{Secret: []byte("0123456789abcdef"), Theme: th, LoginPath: "/login", Funnel: counter, SMSPrice: 0.045,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	c.funnelView(w, httptest.NewRequest("GET", "/admin/funnel?flow=activation", nil), nil)
	body := strings.ReplaceAll(w.Body.String(), "&#39;", "'")
	for _, want := range []string{
		"Commencés : 4 (100 %)", "Identifiés : 2 (50 %) — 50 % perdus depuis l'étape précédente",
		"Codes validés : 1 (25 %) — 50 % perdus", "Mots de passe choisis : 1 (25 %) — 0 % perdus",
		"Le mot de passe doit comporter au moins un chiffre. : 1", `<th scope="row">` + today.Format("2006-01-02") + `</th><td>4</td><td>2</td><td>1</td>`,
		`role="img"`, "<caption>Comptages par jour</caption>", "SMS envoyés sur la période : 2. Coût estimé : 0,09 €.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	w = httptest.NewRecorder()
	c.funnelCSV(w, httptest.NewRequest("GET", "/admin/funnel.csv?flow=activation", nil), &member{s: session.Session{Login: "admin"}})
	lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
	if len(lines) != 15 || !strings.HasPrefix(lines[0], "date,flow,started,identified,mismatched") ||
		!strings.HasPrefix(lines[14], today.Format("2006-01-02")+",activation,4,2,1,") {
		t.Errorf("CSV:\n%s", w.Body.String())
	}
}
