package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/students/pegasetest"
)

// The production wiring with Pégase as the student source, against the
// Pégase of the tests, slapd and redis-server: `seuil sync` provisions
// every learner enrolled in the period from INS's feed, the
// specification's student activates through the four screens, and a
// learner whose INE is in dispute is told to see the scolarité.
func TestProductionPathWithPegase(t *testing.T) {
	t.Parallel()
	ldapSrv := slapdtest.Start(t, slapdtest.Options{})
	peg := pegasetest.Start(t)
	// The demo students, as Pégase learners enrolled in PER-2026.
	path := filepath.Join(t.TempDir(), "students.csv")
	if err := os.WriteFile(path, demoStudents, 0o600); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := students.CSVFile{Path: path}.All(context.Background(), func(r students.Record) error {
		n++
		l := pegasetest.Learner{Code: r.StudentID, INE: r.INE, LastName: r.LastName, FirstName: r.FirstName,
			Mobile: r.Mobile, Email: r.Email, Enrolments: []pegasetest.Enrolment{{Period: "PER-2026", Year: 2026, Principal: true}}}
		peg.Add(l)
		return nil
	}, func(e *students.RowError) { t.Fatal(e) })
	if err != nil {
		t.Fatal(err)
	}
	peg.Add(pegasetest.Learner{Code: "22030001", INE: "234567890BC", LastName: "Durand", FirstName: "Inès",
		Mobile: "06 12 34 56 78", Email: "ines@example.org", INEStatus: "LITIGE",
		Enrolments: []pegasetest.Enrolment{{Period: "PER-2026", Year: 2026}}})

	l := listenLoopback(t)
	base := "http://" + l.Addr().String()
	cfgPath := productionSetup(t, base, redistest.Start(t), ldapSrv)
	text, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(filepath.Dir(cfgPath), "pegase-password")
	writeFile(t, secret, peg.Password+"\n")
	pegase := fmt.Sprintf("students:\n  pegase:\n    idt_url: %s\n    ins_url: %s\n    token_url: %s\n"+
		"    structure: %s\n    period: PER-2026\n    username: %s\n    password_file: %s\n"+
		"    email_contact: %s\n    mobile_contact: %s\n",
		peg.IDTURL(), peg.INSURL(), peg.TokenURL(), peg.Structure, peg.User, secret, pegasetest.EmailCode, pegasetest.MobileCode)
	swapped := regexp.MustCompile(`students:\n  csv: \{path: "[^"]*"\}\n`).ReplaceAllString(string(text), pegase)
	if swapped == string(text) {
		t.Fatal("the production configuration's students section was not replaced")
	}
	writeFile(t, cfgPath, swapped)

	cfg, report := syncAndLoad(t, cfgPath)
	if want := fmt.Sprintf("created %d,", n+1); !strings.Contains(report, want) {
		t.Fatalf("sync from Pégase: %s, want %q", report, want)
	}

	a := serveBuilt(t, cfg, l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := &demoEnv{seuil: base, outbox: a.outbox}
	b := newBrowser(t)
	calls := peg.Calls.Load()
	done := e.activateUntilDone(t, b, b.get(base+"/activation"), "Velo-Rouge-Tours-8")
	if !strings.Contains(done.body, "22012345T") {
		t.Fatalf("done screen: %s", done.body)
	}
	// The activation reads its student several times; the cache makes
	// that one lookup (three calls) within cache_max_age.
	if got := peg.Calls.Load() - calls; got != 3 {
		t.Errorf("%d calls to Pégase for one activation, want one lookup's 3", got)
	}

	b2 := newBrowser(t)
	p := b2.get(base + "/activation")
	p = b2.submitStatus(p, map[string]string{"student_id": "22030001", "ine": "234567890bc", "phone": "06 12 34 56 78"},
		http.StatusForbidden)
	if !strings.Contains(p.body, "votre INE n&#39;est pas encore confirmé") || !strings.Contains(p.body, "scolarité") {
		t.Fatalf("held learner: %s", p.body)
	}
}
