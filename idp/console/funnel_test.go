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
	step := func(detail, outcome string, took ...time.Duration) audit.Event {
		e := audit.Event{Kind: audit.KindStep, Flow: "activation", Detail: detail, Outcome: outcome, Time: today}
		if len(took) > 0 {
			e.Took = took[0]
		}
		return e
	}
	for _, e := range []audit.Event{
		{Kind: audit.KindFlowStarted, Flow: "activation", Time: today}, {Kind: audit.KindFlowStarted, Flow: "activation", Time: today},
		{Kind: audit.KindFlowStarted, Flow: "activation", Time: today}, {Kind: audit.KindFlowStarted, Flow: "activation", Time: today},
		step("identify", "ok", 12*time.Second), step("identify", "ok", 40*time.Second), step("identify", "mismatch"),
		step("verify", "ok", 50*time.Minute), step("password: password.failed.digit", "refused"), step("password", "ok", 80*time.Second),
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
		"Temps passé par écran", `<th scope="row">1. Identification</th><td>2</td><td>au plus 15 s</td><td>au plus 45 s</td>`,
		`<th scope="row">2. Vérification (le code)</th><td>1</td><td>plus de 30 min</td><td>plus de 30 min</td>`,
		`<th scope="row">3. Mot de passe</th><td>1</td><td>au plus 1 min 30 s</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	w = httptest.NewRecorder()
	c.funnelCSV(w, httptest.NewRequest("GET", "/admin/funnel.csv?flow=activation", nil), &member{s: session.Session{Login: "admin"}})
	lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
	if len(lines) != 15 || !strings.HasPrefix(lines[0], "date,flow,started,identified,mismatched") ||
		!strings.HasPrefix(lines[14], today.Format("2006-01-02")+",activation,4,2,1,") ||
		!strings.HasSuffix(lines[0], ",identify_median_s,identify_p90_s,verify_median_s,verify_p90_s,password_median_s,password_p90_s") ||
		!strings.HasSuffix(lines[14], ",15,45,>1800,>1800,90,90") {
		t.Errorf("CSV:\n%s", w.Body.String())
	}
}
