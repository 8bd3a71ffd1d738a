package console

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/themes"
)

func TestInProgress(t *testing.T) {
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return now.Add(time.Duration(-m) * time.Minute) }
	step := func(m int, detail, outcome string) audit.Event {
		return audit.Event{Time: at(m), Kind: audit.KindStep, Flow: "activation", Detail: detail, Outcome: outcome}
	}
	for _, c := range []struct {
		name   string
		events []audit.Event // newest first
		want   *progress
	}{
		{"none", nil, nil},
		{"at the code", []audit.Event{
			{Time: at(3), Kind: audit.KindCodeSent, Flow: "activation", Outcome: "ok"},
			step(3, "identify", "ok"), step(5, "identify", "mismatch")},
			&progress{Flow: "activation", Step: "verify", Outcome: "ok", Since: at(5), Last: at(3)}},
		{"password refused", []audit.Event{step(1, "password: password.rule.digit", "refused"), step(4, "verify", "ok")},
			&progress{Flow: "activation", Step: "password", Outcome: "refused", Since: at(4), Last: at(1)}},
		{"finished", []audit.Event{step(1, "password", "ok"), step(4, "verify", "ok")}, nil},
		{"too old", []audit.Event{step(90, "identify", "mismatch")}, nil},
		{"a staff action is not the student's flow", []audit.Event{{Time: at(1), Kind: audit.KindUnblock, Actor: "h"}}, nil},
	} {
		got := inProgress(c.events, now)
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// The case page says why the student information system holds a record,
// in the staff's language, so the helpdesk knows whom to send the
// student to.
func TestCaseShowsTheHold(t *testing.T) {
	th, err := themes.Default()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Deps{Secret: []byte("0123456789abcdef"), Theme: th, LoginPath: "/login",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		hold       students.Hold
		lang, want string
	}{
		{"", "fr", ""},
		{students.HoldINE, "fr", "INE non confirmé par INES"},
		{students.HoldDuplicate, "fr", "Doublon potentiel dans Pégase"},
		{students.HoldNotEnrolled, "en", "No validated enrolment for the period"},
	} {
		r := httptest.NewRequest("GET", "/admin/case?student=22012345&lang="+tc.lang, nil)
		w := httptest.NewRecorder()
		p := casePage{StudentID: "22012345", Record: &students.Record{StudentID: "22012345", Hold: tc.hold}}
		c.render(w, r, nil, 200, "admin_case", "admin.case.title", view{Current: "home", Page: p})
		body := w.Body.String()
		if w.Code != 200 || (tc.want != "" && !strings.Contains(body, tc.want)) {
			t.Errorf("hold %q: %d, lacks %q:\n%s", tc.hold, w.Code, tc.want, body)
		}
		if tc.hold == "" && (strings.Contains(body, "Activation impossible") || strings.Contains(body, "admin.case.hold")) {
			t.Errorf("no hold, yet the page shows one:\n%s", body)
		}
	}
}

// The rows the CSV extraction left out reach the staff: a count on the
// home page, the list with each row's line, student number and
// translated reason, and a note on the student's own case.
func TestSkippedRowsShown(t *testing.T) {
	th, err := themes.Default()
	if err != nil {
		t.Fatal(err)
	}
	rows := []students.SkippedRow{{Line: 37, StudentID: "22012399", Rule: "ine"}, {Line: 52, Rule: "columns"}}
	newConsole := func(skipped func() ([]students.SkippedRow, int)) *Console {
		c, err := New(Deps{Secret: []byte("0123456789abcdef"), Theme: th, LoginPath: "/login", Skipped: skipped,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	get := func(h func(http.ResponseWriter, *http.Request, *member), target string) string {
		w := httptest.NewRecorder()
		h(w, httptest.NewRequest("GET", target, nil), nil)
		if w.Code != 200 {
			t.Fatalf("%s: %d", target, w.Code)
		}
		return w.Body.String()
	}
	c := newConsole(func() ([]students.SkippedRow, int) { return rows, 3 })
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"home", get(c.home, "/admin/"), []string{"3 lignes de l&#39;extraction des étudiants ont été ignorées", `href="/admin/skipped"`}},
		{"list", get(c.skippedView, "/admin/skipped"), []string{"<td>37</td>", `href="/admin/case?student=22012399"`,
			"INE d&#39;un format inconnu", "<td>52</td>", "nombre de colonnes incorrect", "Seules les 2 premières lignes"}},
		{"list in English", get(c.skippedView, "/admin/skipped?lang=en"), []string{"INE of an unknown format", "wrong number of columns"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.body, w) {
				t.Errorf("%s lacks %q:\n%s", tc.name, w, tc.body)
			}
		}
	}
	w := httptest.NewRecorder()
	p := casePage{StudentID: "22012399", NoRecord: true, Skipped: &rows[0]}
	c.render(w, httptest.NewRequest("GET", "/admin/case", nil), nil, 200, "admin_case", "admin.case.title", view{Page: p})
	if want := "La ligne 37 de l&#39;extraction des étudiants a été ignorée (INE d&#39;un format inconnu)"; !strings.Contains(w.Body.String(), want) {
		t.Errorf("case page lacks %q:\n%s", want, w.Body.String())
	}

	// A live source keeps no list: the home page says nothing, the list
	// page says why it is empty.
	live := newConsole(nil)
	if body := get(live.home, "/admin/"); strings.Contains(body, "ignorées") {
		t.Errorf("home of a live source mentions skipped rows:\n%s", body)
	}
	if body := get(live.skippedView, "/admin/skipped"); !strings.Contains(body, "interrogée en direct") {
		t.Errorf("list of a live source:\n%s", body)
	}
}

// The case page says what became of the student's last code by SMS, as
// the code screen does.
func TestCaseShowsTheLastSMS(t *testing.T) {
	c := testConsole(t, Deps{})
	at := time.Date(2026, 9, 1, 10, 32, 0, 0, time.Local)
	for _, tc := range []struct {
		sms  *smsState
		want string
	}{
		{nil, ""},
		{&smsState{State: "sending"}, "Dernier code par SMS : en cours d&#39;envoi."},
		{&smsState{State: "delivered", At: at}, "Dernier code par SMS : remis au téléphone à 10:32."},
		{&smsState{State: "undelivered", At: at}, "non remis (signalé à 10:32) ; le code est parti par courriel."},
	} {
		w := httptest.NewRecorder()
		p := casePage{StudentID: "22012345", Record: &students.Record{StudentID: "22012345"}, SMS: tc.sms}
		c.render(w, httptest.NewRequest("GET", "/admin/case?student=22012345", nil), nil, 200, "admin_case", "admin.case.title", view{Current: "home", Page: p})
		body := w.Body.String()
		switch {
		case tc.want == "" && strings.Contains(body, `id="last-sms"`):
			t.Errorf("no SMS known, yet the page has a line:\n%s", body)
		case tc.want != "" && !strings.Contains(body, tc.want):
			t.Errorf("%+v: the page lacks %q:\n%s", tc.sms, tc.want, body)
		}
	}
}
