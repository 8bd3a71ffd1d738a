package config

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/students/pegasetest"
)

// Every kind registered decodes its own section with its defaults, is
// refused beside another kind, and is named in the message of a
// configuration that sets none.
func TestStudentKinds(t *testing.T) {
	t.Parallel()
	sections := map[string]string{
		"csv":    "  csv: {path: students.csv}\n",
		"sql":    "  sql: {driver: pgx, dsn: postgres://x@db/apogee, lookup_query: \"SELECT * FROM v WHERE id = $1\"}\n",
		"ldap":   "  ldap: {url: ldaps://ldap.example.org, base_dn: \"ou=people,dc=example,dc=org\"}\n",
		"pegase": pegaseSection,
	}
	if got := sortedKeys(studentKinds); !slices.Equal(got, sortedKeys(sections)) {
		t.Fatalf("kinds %v: give each a section here", got)
	}
	for kind, section := range sections {
		cfg, probs := parseWith(t, pegaseWorld, doc("students:\n"+section))
		if probs != nil {
			t.Errorf("%s: %s", kind, strings.Join(probs, "\n"))
			continue
		}
		if cfg.Students.Kind() != kind || !strings.HasPrefix(cfg.Students.describe(), kind+" ") {
			t.Errorf("%s: kind %q, summary %q", kind, cfg.Students.Kind(), cfg.Students.describe())
		}
		for other, second := range sections {
			if other == kind {
				continue
			}
			_, probs := parseWith(t, pegaseWorld, doc("students:\n"+section+second))
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, "students: set only one of") }) {
				t.Errorf("%s and %s accepted together: %v", kind, other, probs)
			}
		}
	}
	_, probs := parseWith(t, pegaseWorld, doc("students:\n  cache_max_age: 1m\n"))
	if want := "set one of csv, ldap, pegase, sql"; !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, want) }) {
		t.Errorf("no kind: %v, want %q", probs, want)
	}
	_, probs = parseWith(t, pegaseWorld, doc("students:\n  pegasus: {}\n"))
	if want := `students.pegasus: unknown key (did you mean "pegase"?)`; !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, want) }) {
		t.Errorf("a misspelt kind: %v, want %q", probs, want)
	}
}

const pegaseSection = `  pegase:
    idt_url: https://idt.test-tls.pc-scol.fr/api/idt/ext/v1
    ins_url: https://ins.test-tls.pc-scol.fr/api/ins/ext/v2
    token_url: https://authn-app.test-tls.pc-scol.fr/cas/v1/tickets
    structure: ETAB00
    period: PER-2026
    username: seuil
`

var pegaseWorld = fakeWorld{env: map[string]string{"SEUIL_STUDENTS_PEGASE_PASSWORD": "from-env"}}

func TestPegaseSection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, section string
		world         fakeWorld
		want          []string // problems; none: valid
	}{
		{"valid, password from the environment", pegaseSection, pegaseWorld, nil},
		{"no password", pegaseSection, fakeWorld{}, []string{"students.pegase.password: required (password_file, or SEUIL_STUDENTS_PEGASE_PASSWORD)"}},
		{"every required key missing", "  pegase: {}\n", pegaseWorld, []string{
			"students.pegase.idt_url: required", "students.pegase.ins_url: required", "students.pegase.token_url: required",
			"students.pegase.structure: required", "students.pegase.period: required", "students.pegase.username: required"}},
		{"a key defined twice", pegaseSection + "    token_url: https://cas.example.org/cas/v1/tickets\n", pegaseWorld, []string{
			"students.pegase.token_url: defined twice"}},
		{"plain http off loopback", strings.Replace(pegaseSection, "https://authn-app", "http://authn-app", 1), pegaseWorld, []string{
			`students.pegase.token_url: "http://authn-app.test-tls.pc-scol.fr/cas/v1/tickets" must be an absolute https URL`}},
		{"a page over the API's 500", pegaseSection + "    page_size: 1000\n", pegaseWorld, []string{
			"students.pegase.page_size: 1000 is out of range (1 to 500)"}},
		{"a cache for a CSV", "  csv: {path: students.csv}\n  cache_max_age: 5m\n", pegaseWorld, []string{
			"students.cache_max_age: the csv source holds every record in memory already"}},
		{"a cache beyond an hour", pegaseSection + "  cache_max_age: 2h\n", pegaseWorld, []string{
			"students.cache_max_age:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, probs := parseWith(t, c.world, doc("students:\n"+c.section))
			if c.want == nil {
				if probs != nil {
					t.Fatalf("problems: %v", probs)
				}
				if p := cfg.Students.Section().(*PegaseStudents); p.Password.Value() != "from-env" || p.PageSize != 500 ||
					p.Timeout.D() != 5*time.Second || cfg.Students.Cached() != time.Minute {
					t.Errorf("section %+v, cached %v", p, cfg.Students.Cached())
				}
				return
			}
			for _, w := range c.want {
				if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("problems %v lack %q", probs, w)
				}
			}
		})
	}
}

// The section's keys reach the source: the period decides who is held,
// the contact codes what sync reads, the account what the CAS sees.
func TestPegaseSectionReachesTheSource(t *testing.T) {
	t.Parallel()
	srv := pegasetest.Start(t)
	l := pegasetest.Learner{Code: "22012345", INE: "123456789AB", LastName: "Martin", FirstName: "Camille",
		Mobile: "0788102599", Email: "camille@example.org",
		Enrolments: []pegasetest.Enrolment{{Period: "PER-2026", Year: 2026}},
		Others:     []pegasetest.Contact{{Code: "MEL_SECOURS", Mail: "secours@example.org"}}}
	srv.Add(l)
	section := func(period, emailCode string) string {
		return fmt.Sprintf("  pegase:\n    idt_url: %s\n    ins_url: %s\n    token_url: %s\n    structure: %s\n"+
			"    period: %s\n    username: %s\n    password: %s\n    email_contact: %s\n",
			srv.IDTURL(), srv.INSURL(), srv.TokenURL(), srv.Structure, period, srv.User, srv.Password, emailCode)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	for _, c := range []struct {
		period, emailCode string
		hold              students.Hold
		bulkEmail         string
		bulkCount         int
	}{
		{"PER-2026", pegasetest.EmailCode, "", "camille@example.org", 1},
		{"PER-2026", "MEL_SECOURS", "", "secours@example.org", 1},
		{"PER-2025", pegasetest.EmailCode, students.HoldNotEnrolled, "", 0},
	} {
		cfg, probs := parseWith(t, fakeWorld{}, doc("students:\n"+section(c.period, c.emailCode)))
		if probs != nil {
			t.Fatal(probs)
		}
		src, closeFn, err := cfg.Students.Open(ctx, log)
		if err != nil {
			t.Fatal(err)
		}
		defer closeFn()
		rec, err := src.Lookup(ctx, "22012345")
		if err != nil || rec.Hold != c.hold {
			t.Errorf("period %s: Lookup = hold %q, %v; want %q", c.period, rec.Hold, err, c.hold)
		}
		var got []students.Record
		if err := src.All(ctx, func(r students.Record) error { got = append(got, r); return nil }, func(*students.RowError) {}); err != nil {
			t.Fatal(err)
		}
		if len(got) != c.bulkCount || (len(got) == 1 && got[0].Email != c.bulkEmail) {
			t.Errorf("period %s, e-mail contact %s: sync reads %+v", c.period, c.emailCode, got)
		}
	}
	cfg, _ := parseWith(t, fakeWorld{}, doc("students:\n"+strings.Replace(section("PER-2026", ""), srv.Password, "wrong", 1)))
	if _, _, err := cfg.Students.Open(ctx, log); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("a refused account opened, or its password is in the error: %v", err)
	}
}
