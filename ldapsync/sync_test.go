package ldapsync_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/ldapsync"
)

const csvHeader = "COD_ETU;COD_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND;DATE_NAI_IND;NUM_TEL_PORT;ADR_MAIL_PERSO;COD_ANU\n"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var today = time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)

// fixture is a slapd and a CSV extraction the tests rewrite.
type fixture struct {
	t    *testing.T
	srv  *slapdtest.Server
	path string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t, srv: slapdtest.Start(t, slapdtest.Options{}), path: filepath.Join(t.TempDir(), "apogee.csv")}
}

func (f *fixture) write(rows ...string) {
	f.t.Helper()
	if err := os.WriteFile(f.path, []byte(csvHeader+strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) config() ldapdir.Config {
	return ldapdir.Config{WriteURL: f.srv.URL, BindDN: f.srv.ServiceDN, BindPassword: f.srv.ServicePassword,
		BaseDN: f.srv.PeopleDN, Domain: "univ-tours.fr"}
}

// run syncs with opts' zero fields filled in; it returns the summary, the
// printed output and the error.
func (f *fixture) run(opts ldapsync.Options) (ldapsync.Summary, string, error) {
	f.t.Helper()
	src, err := students.NewCSV(context.Background(), students.CSVConfig{Path: f.path, Logger: quiet})
	if err != nil {
		f.t.Fatal(err)
	}
	opts.Source = src
	opts.Directory = f.config()
	opts.Now = func() time.Time { return today }
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	var out bytes.Buffer
	sum, err := ldapsync.Run(context.Background(), opts, &out)
	return sum, out.String(), err
}

// entry reads one account as the rootDN, or nil.
func (f *fixture) entry(login string) *ldap.Entry {
	f.t.Helper()
	res, err := f.srv.Admin(f.t).Search(ldap.NewSearchRequest("uid="+login+","+f.srv.PeopleDN,
		ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"*", "+"}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Entries[0]
}

func row(id, mobile string) string {
	return fmt.Sprintf("%s;123456789AB;Nom%s;Prénom;01/02/2005;%s;e%s@example.org;2026", id, id, mobile, id)
}

func want(t *testing.T, got ldapsync.Summary, created, updated, unchanged, left int) {
	t.Helper()
	if got.Created != created || got.Updated != updated || got.Unchanged != unchanged || got.Left != left || got.Errors != 0 {
		t.Fatalf("summary %v; want created %d updated %d unchanged %d left %d", got, created, updated, unchanged, left)
	}
}

func TestSyncLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"), row("22000002", "0788102502"), row("22000003", "0788102503"),
		row("22000004", "0788102504"), row("22000005", "0788102505"), row("22000006", "0788102506"))

	sum, _, err := f.run(ldapsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, 6, 0, 0, 0)
	e := f.entry("22000001T")
	if e == nil {
		t.Fatal("entry not created")
	}
	for attr, v := range map[string]string{"supannEtuId": "22000001", "mobile": "+33788102501", "givenName": "Prénom",
		"supannCodeINE": "123456789AB", "supannMailPerso": "e22000001@example.org", "supannEtuAnneeInscription": "2026",
		"supannRessourceEtatDate": "{COMPTE}I:SupannCree:20260914:", "supannAliasLogin": "22000001T",
		"eduPersonPrincipalName": "22000001T@univ-tours.fr"} {
		if got := e.GetAttributeValue(attr); got != v {
			t.Errorf("%s = %q, want %q", attr, got, v)
		}
	}
	if e.GetAttributeValue("userPassword") != "" {
		t.Error("created entry has a password")
	}

	t.Run("second run changes nothing", func(t *testing.T) {
		sum, _, err := f.run(ldapsync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want(t, sum, 0, 0, 6, 0)
	})
	t.Run("changed mobile updates", func(t *testing.T) {
		f.write(row("22000001", "+33 7 88 10 25 00"), row("22000002", "0788102502"), row("22000003", "0788102503"),
			row("22000004", "0788102504"), row("22000005", "0788102505"), row("22000006", "0788102506"))
		sum, _, err := f.run(ldapsync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want(t, sum, 0, 1, 5, 0)
		if got := f.entry("22000001T").GetAttributeValue("mobile"); got != "+33788102500" {
			t.Fatalf("mobile %q", got)
		}
	})
	t.Run("left student marked, then left alone", func(t *testing.T) {
		f.write(row("22000001", "+33 7 88 10 25 00"), row("22000002", "0788102502"), row("22000003", "0788102503"),
			row("22000004", "0788102504"), row("22000005", "0788102505"))
		for i, wantLeft := range []int{1, 0} {
			sum, _, err := f.run(ldapsync.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want(t, sum, 0, 0, 6-wantLeft, wantLeft)
			if sum.Leavers != 1 {
				t.Fatalf("run %d: leavers %d", i, sum.Leavers)
			}
		}
		e := f.entry("22000006T")
		if got := e.GetAttributeValue("supannEtuDateFin"); got != "20260914000000Z" {
			t.Fatalf("supannEtuDateFin %q", got)
		}
		if got := e.GetAttributeValue("supannRessourceEtatDate"); got != "{COMPTE}I:SupannCree:20260914:" {
			t.Fatalf("mark policy changed the state: %q", got)
		}
	})
	t.Run("lock policy", func(t *testing.T) {
		sum, _, err := f.run(ldapsync.Options{Left: ldapsync.LeftLock})
		if err != nil {
			t.Fatal(err)
		}
		want(t, sum, 0, 0, 5, 1)
		if got := f.entry("22000006T").GetAttributeValue("supannRessourceEtatDate"); got != "{COMPTE}I:SupannExpire:20260914:" {
			t.Fatalf("state %q", got)
		}
	})
	t.Run("student back clears the end date", func(t *testing.T) {
		f.write(row("22000001", "+33 7 88 10 25 00"), row("22000002", "0788102502"), row("22000003", "0788102503"),
			row("22000004", "0788102504"), row("22000005", "0788102505"), row("22000006", "0788102506"))
		sum, _, err := f.run(ldapsync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want(t, sum, 0, 1, 5, 0)
		if got := f.entry("22000006T").GetAttributeValue("supannEtuDateFin"); got != "" {
			t.Fatalf("supannEtuDateFin %q", got)
		}
	})
}

type nopSource struct{}

func (nopSource) All(context.Context, func(students.Record) error, func(*students.RowError)) error {
	return nil
}
