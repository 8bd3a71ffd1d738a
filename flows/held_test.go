package flows_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/students/pegasetest"
)

// A Pégase learner whose details match but whom Pégase holds (an INE
// INES has not confirmed, a potential duplicate, no enrolment this
// period) is told why and sent to the scolarité, with no code sent; the
// hold is told only after a match, so a wrong INE still reads as the
// one mismatch message.
func TestHeldStudentsAreToldWhy(t *testing.T) {
	t.Parallel()
	srv := pegasetest.Start(t)
	base := func(code string) pegasetest.Learner {
		return pegasetest.Learner{Code: code, INE: "123456789AB", LastName: "Martin", FirstName: "Camille",
			Mobile: "07 88 10 25 99", Email: "camille@example.org",
			Enrolments: []pegasetest.Enrolment{{Period: "PER-2026", Year: 2026}}}
	}
	ine, dup, none := base("22020001"), base("22020002"), base("22020003")
	ine.INEStatus, dup.Duplicate, none.Enrolments = "LITIGE", true, nil
	srv.Add(ine, dup, none, base("22020004"))
	src, err := students.NewPegase(context.Background(), students.PegaseConfig{
		IDTURL: srv.IDTURL(), INSURL: srv.INSURL(), TokenURL: srv.TokenURL(), Username: srv.User,
		Password: srv.Password, Structure: srv.Structure, Period: "PER-2026"})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) { d.Students = src })

	cases := []struct {
		name, id, ine string
		status        int
		want, not     string
	}{
		{"INE in dispute", "22020001", "123456789ab", http.StatusForbidden, "votre INE n'est pas encore confirmé", "Code d'activation"},
		{"potential duplicate", "22020002", "123456789ab", http.StatusForbidden, "il ressemble à un autre dossier", "Code d'activation"},
		{"not enrolled this period", "22020003", "123456789ab", http.StatusForbidden, "aucune inscription validée", "Code d'activation"},
		{"held but the INE is wrong: the mismatch, not the hold", "22020001", "987654321AB", http.StatusUnprocessableEntity,
			"ne correspondent à aucun dossier", "INE n'est pas encore confirmé"},
		{"not held: the code is sent", "22020004", "123456789ab", http.StatusOK, "Code d'activation", "scolarité"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := e.browser(t)
			must(t, b.follow("/activation"), http.StatusOK)
			sms, _ := e.box.counts()
			r := b.submit("/activation/identify", identifyForm(c.id, c.ine, "07 88 10 25 99"))
			must(t, r, c.status, c.want)
			if strings.Contains(r.body, c.not) {
				t.Errorf("the page says %q:\n%s", c.not, r.body)
			}
			after, _ := e.box.counts()
			if sent := after - sms; (c.status == http.StatusOK) != (sent == 1) {
				t.Errorf("%d SMS sent", sent)
			}
		})
	}
}
