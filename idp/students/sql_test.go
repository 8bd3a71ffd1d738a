package students_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/students/pgtest"
)

// A Pégase-style view in PostgreSQL: lower-case column names, a real date
// type, a numeric year.
const schema = `
CREATE TABLE etudiant (
	cod_etu text PRIMARY KEY, ine text, nom text, prenom text,
	date_naissance date, tel_portable text, mail_perso text, annee int, date_fin date);
INSERT INTO etudiant VALUES
	('22012345', '123456789ab', 'Dupont', 'Élodie', '2005-07-03', '07 88 10 25 99', 'elodie@example.org', 2026, NULL),
	('22012346', '0123456789A', 'Martin', 'Jean', NULL, NULL, NULL, NULL, '2027-08-31'),
	('22012347', 'bad', 'Bad', 'Ine', NULL, NULL, NULL, NULL, NULL),
	('22012348', '123456789AB', 'Bad', 'Phone', NULL, '12', NULL, NULL, NULL);
CREATE VIEW v_seuil AS SELECT cod_etu, ine, nom, prenom, date_naissance, tel_portable,
	mail_perso, annee, date_fin FROM etudiant;`

func TestSQLSource(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, schema); err != nil {
		t.Fatal(err)
	}
	src, err := students.NewSQL(db, students.SQLConfig{
		LookupQuery: "SELECT * FROM v_seuil WHERE cod_etu = $1",
		BulkQuery:   "SELECT * FROM v_seuil ORDER BY cod_etu",
		Columns: students.Columns{StudentID: "cod_etu", INE: "ine", LastName: "nom", FirstName: "prenom",
			BirthDate: "date_naissance", Mobile: "tel_portable", Email: "mail_perso", Year: "annee", EndDate: "date_fin"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := students.Record{StudentID: "22012345", INE: "123456789AB", LastName: "Dupont", FirstName: "Élodie",
		BirthDate: time.Date(2005, 7, 3, 0, 0, 0, 0, time.UTC), Mobile: "+33788102599",
		Email: "elodie@example.org", Year: 2026}

	t.Run("lookup", func(t *testing.T) {
		got, err := src.Lookup(ctx, " 22012345 ")
		if err != nil || got != want {
			t.Fatalf("got %+v, %v\nwant %+v", got, err, want)
		}
		if _, err := src.Lookup(ctx, "99999999"); !errors.Is(err, students.ErrNotFound) {
			t.Fatalf("unknown student: %v", err)
		}
		var re *students.RowError
		if _, err := src.Lookup(ctx, "22012347"); !errors.As(err, &re) || !errors.Is(err, students.ErrINEFormat) {
			t.Fatalf("invalid row: %v", err)
		}
	})
	t.Run("bulk", func(t *testing.T) {
		var got []students.Record
		var bad []*students.RowError
		err := src.All(ctx, func(r students.Record) error { got = append(got, r); return nil },
			func(e *students.RowError) { bad = append(bad, e) })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != want || !got[1].EndDate.Equal(time.Date(2027, 8, 31, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("records %+v", got)
		}
		if len(bad) != 2 || bad[0].Line != 3 || !errors.Is(bad[0], students.ErrINEFormat) ||
			bad[1].Key != "22012348" || !errors.Is(bad[1], students.ErrPhone) {
			t.Fatalf("row errors %+v", bad)
		}
	})
	t.Run("missing column", func(t *testing.T) {
		s, _ := students.NewSQL(db, students.SQLConfig{BulkQuery: "SELECT cod_etu FROM etudiant"})
		if err := s.All(ctx, func(students.Record) error { return nil }, func(*students.RowError) {}); err == nil {
			t.Fatal("query without the required columns accepted")
		}
	})
}

func TestOpenSQLFails(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := students.OpenSQL(ctx, students.SQLConfig{Driver: "pgx",
		DSN: "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", LookupQuery: "SELECT 1"})
	if err == nil {
		t.Fatal("unreachable database accepted")
	}
	if _, err := students.OpenSQL(ctx, students.SQLConfig{Driver: "oracle", DSN: "oracle://u:p@127.0.0.1:1/X"}); err == nil {
		t.Fatal("oracle driver: unreachable database accepted")
	}
}
