package students_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/students/pgtest"
	"github.com/seuil-idp/seuil/idp/students/studentstest"
)

// The three sources pass one conformance suite, each on its real store:
// a CSV file, PostgreSQL, OpenLDAP.

func TestCSVConformance(t *testing.T) {
	t.Parallel()
	studentstest.Run(t, func(t *testing.T, rows []studentstest.Raw) studentstest.Source { return openCSV(t, rows) })
}

func openCSV(t testing.TB, rows []studentstest.Raw) studentstest.Source {
	var b strings.Builder
	b.WriteString("COD_ETU;COD_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND;DATE_NAI_IND;NUM_TEL_PORT;ADR_MAIL_PERSO;COD_ANU\n")
	for _, r := range rows {
		date, year := "", ""
		if !r.BirthDate.IsZero() {
			date = r.BirthDate.Format("02/01/2006")
		}
		if r.Year != 0 {
			year = strconv.Itoa(r.Year)
		}
		fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s;%s;%s\n", r.StudentID, r.INE, r.LastName, r.FirstName, date, r.Mobile, r.Email, year)
	}
	path := filepath.Join(t.TempDir(), "apogee.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := students.NewCSV(context.Background(), students.CSVConfig{Path: path, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestSQLConformance(t *testing.T) {
	t.Parallel()
	studentstest.Run(t, func(t *testing.T, rows []studentstest.Raw) studentstest.Source { return openSQL(t, rows) })
}

func openSQL(t testing.TB, rows []studentstest.Raw) studentstest.Source {
	db := pgtest.DB(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE etu (cod_etu text PRIMARY KEY, ine text, nom text, prenom text,
		date_naissance date, tel_portable text, mail_perso text, annee int)`); err != nil {
		t.Fatal(err)
	}
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for _, r := range rows {
		var date, year any
		if !r.BirthDate.IsZero() {
			date = r.BirthDate
		}
		if r.Year != 0 {
			year = r.Year
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO etu VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.StudentID, r.INE, r.LastName, r.FirstName, date, null(r.Mobile), null(r.Email), year); err != nil {
			t.Fatal(err)
		}
	}
	src, err := students.NewSQL(db, students.SQLConfig{
		LookupQuery: "SELECT * FROM etu WHERE cod_etu = $1",
		BulkQuery:   "SELECT * FROM etu",
		Columns: students.Columns{StudentID: "cod_etu", INE: "ine", LastName: "nom", FirstName: "prenom",
			BirthDate: "date_naissance", Mobile: "tel_portable", Email: "mail_perso", Year: "annee"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestLDAPConformance(t *testing.T) {
	t.Parallel()
	studentstest.Run(t, func(t *testing.T, rows []studentstest.Raw) studentstest.Source { return openLDAP(t, rows) })
}

func openLDAP(t testing.TB, rows []studentstest.Raw) studentstest.Source {
	srv := slapdtest.Start(t, slapdtest.Options{})
	admin := srv.Admin(t)
	for _, r := range rows {
		attrs := map[string][]string{"sn": {r.LastName}, "givenName": {r.FirstName}, "supannCodeINE": {r.INE}}
		if r.Mobile != "" {
			attrs["mobile"] = []string{r.Mobile}
		}
		if r.Email != "" {
			attrs["supannMailPerso"] = []string{r.Email}
		}
		if r.Year != 0 {
			attrs["supannEtuAnneeInscription"] = []string{strconv.Itoa(r.Year)}
		}
		addStudent(t, admin, srv.PeopleDN, r.StudentID, attrs)
		if !r.BirthDate.IsZero() {
			mod := ldap.NewModifyRequest("uid=etu"+r.StudentID+","+srv.PeopleDN, nil)
			mod.Add("objectClass", []string{"schacPersonalCharacteristics"})
			mod.Add("schacDateOfBirth", []string{r.BirthDate.Format("20060102")})
			if err := admin.Modify(mod); err != nil {
				t.Fatal(err)
			}
		}
	}
	src, err := students.NewLDAP(context.Background(), students.LDAPConfig{URL: srv.URL, BindDN: srv.ServiceDN,
		BindPassword: srv.ServicePassword, BaseDN: srv.PeopleDN, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	return src
}

// Lookup latency per source, on real stores, for the budget
// (p95 under 500 ms): go test -bench Lookup ./idp/students/
func BenchmarkLookup(b *testing.B) {
	for name, open := range map[string]func(testing.TB, []studentstest.Raw) studentstest.Source{
		"csv": openCSV, "postgres": openSQL, "ldap": openLDAP,
	} {
		b.Run(name, func(b *testing.B) {
			src := open(b, studentstest.Students)
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				if _, err := src.Lookup(ctx, studentstest.Want[i%len(studentstest.Want)].StudentID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
