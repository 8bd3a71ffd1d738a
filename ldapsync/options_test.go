package ldapsync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/ldapsync"
)

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"), row("22000002", "0788102502"))
	if _, _, err := f.run(ldapsync.Options{}); err != nil {
		t.Fatal(err)
	}
	f.write(row("22000001", "0788102599"), row("22000003", "0788102503"))
	sum, out, err := f.run(ldapsync.Options{DryRun: true, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, 1, 1, 0, 1)
	for _, s := range []string{
		"dn: uid=22000003T,ou=people,dc=univ-tours,dc=fr\nchangetype: add\n",
		"# givenName: Prénom\ngivenName:: UHLDqW5vbQ==\n",
		"changetype: modify\n# was mobile: +33788102501\nreplace: mobile\nmobile: +33788102599\n-\n",
		"# student left the source\nchangetype: modify\nreplace: supannEtuDateFin\nsupannEtuDateFin: 20260914000000Z\n-\n",
		"created 1, updated 1, unchanged 0, left 1",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("dry run output lacks %q:\n%s", s, out)
		}
	}
	if f.entry("22000003T") != nil {
		t.Error("dry run created an entry")
	}
	if got := f.entry("22000001T").GetAttributeValue("mobile"); got != "+33788102501" {
		t.Errorf("dry run changed the mobile: %q", got)
	}
	if got := f.entry("22000002T").GetAttributeValue("supannEtuDateFin"); got != "" {
		t.Errorf("dry run marked a leaver: %q", got)
	}
}

func TestInvalidRowsReported(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"), row("22000002", "0788102502"))
	if _, _, err := f.run(ldapsync.Options{}); err != nil {
		t.Fatal(err)
	}
	// 22000002's row now has a typo: reported, skipped, not taken as gone.
	f.write(row("22000001", "0788102501"), row("22000002", "12"), "22000003;bad-ine;X;Y;;;;", "too;few")
	sum, out, err := f.run(ldapsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Invalid != 3 || sum.Left != 0 || sum.Leavers != 0 || sum.Created != 0 {
		t.Fatalf("summary %v", sum)
	}
	for _, s := range []string{`line 3: student "22000002"`, `line 4: student "22000003"`, "line 5"} {
		if !strings.Contains(out, "invalid row: "+s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestTooManyLeftRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"), row("22000002", "0788102502"), row("22000003", "0788102503"))
	if _, _, err := f.run(ldapsync.Options{}); err != nil {
		t.Fatal(err)
	}
	f.write() // an empty extraction
	sum, _, err := f.run(ldapsync.Options{})
	if !errors.Is(err, ldapsync.ErrTooManyLeft) || sum.Left != 0 {
		t.Fatalf("err %v, summary %v", err, sum)
	}
	if got := f.entry("22000001T").GetAttributeValue("supannEtuDateFin"); got != "" {
		t.Fatalf("marked despite the guard: %q", got)
	}
	if sum, _, err := f.run(ldapsync.Options{Force: true}); err != nil || sum.Left != 3 {
		t.Fatalf("forced: %v %v", sum, err)
	}
}

func TestOptionsChecked(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"))
	if _, _, err := f.run(ldapsync.Options{Left: "delete"}); err == nil {
		t.Error("unknown left policy accepted")
	}
	if _, _, err := f.run(ldapsync.Options{LoginPattern: "etu"}); err == nil {
		t.Error("login pattern without {student_id} accepted")
	}
	cfg := f.config()
	cfg.BindPassword = "wrong"
	_, err := ldapsync.Run(context.Background(), ldapsync.Options{Source: nopSource{}, Directory: cfg, Logger: quiet}, nil)
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Errorf("wrong password: %v", err)
	}
}

// TestSyncedEntriesWorkWithDirectory reads synced entries through ldapdir
// (the two must agree on the entry layout), checks that a sync leaves an
// activated account's password and state alone, and that the lock policy
// is one ldapdir enforces.
func TestSyncedEntriesWorkWithDirectory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"))
	if _, _, err := f.run(ldapsync.Options{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg := f.config()
	cfg.Logger = quiet
	dir, err := ldapdir.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	acc, err := dir.FindByStudentID(ctx, "22000001")
	if err != nil {
		t.Fatal(err)
	}
	if acc.State != directory.StateCreated || acc.Login != "22000001T" || acc.Mobile != "+33788102501" || acc.INE != "123456789AB" {
		t.Fatalf("account %+v", acc)
	}
	const pw = "Tr0ub4dor&3-horse"
	if err := dir.SetPassword(ctx, "22000001T", pw); err != nil {
		t.Fatal(err)
	}
	f.write(row("22000001", "0788102599"))
	if sum, _, err := f.run(ldapsync.Options{}); err != nil || sum.Updated != 1 {
		t.Fatalf("%v %v", sum, err)
	}
	acc, err = dir.Authenticate(ctx, "22000001T", pw)
	if err != nil {
		t.Fatalf("password lost after sync: %v", err)
	}
	if acc.State != directory.StateActive || acc.Mobile != "+33788102599" {
		t.Fatalf("account after sync %+v", acc)
	}
	// The student leaves; the lock policy stops sign-in.
	f.write()
	if sum, _, err := f.run(ldapsync.Options{Left: ldapsync.LeftLock, Force: true}); err != nil || sum.Left != 1 {
		t.Fatalf("%v %v", sum, err)
	}
	if _, err := dir.Authenticate(ctx, "22000001T", pw); !errors.Is(err, directory.ErrLocked) {
		t.Fatalf("locked account: %v, want ErrLocked", err)
	}
}

func TestDuplicateEntriesLeftAlone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"), row("22000002", "0788102502"))
	if _, _, err := f.run(ldapsync.Options{}); err != nil {
		t.Fatal(err)
	}
	// Another tool made a second entry for 22000002.
	req := ldap.NewAddRequest("uid=other,"+f.srv.PeopleDN, nil)
	req.Attribute("objectClass", []string{"inetOrgPerson", "supannPerson"})
	req.Attribute("uid", []string{"other"})
	req.Attribute("cn", []string{"x"})
	req.Attribute("sn", []string{"x"})
	req.Attribute("supannEtuId", []string{"22000002"})
	if err := f.srv.Admin(t).Add(req); err != nil {
		t.Fatal(err)
	}
	f.write(row("22000001", "0788102599"), row("22000002", "0788102599"))
	sum, out, err := f.run(ldapsync.Options{})
	if err == nil || sum.Errors != 1 || sum.Updated != 1 {
		t.Fatalf("err %v, summary %v", err, sum)
	}
	if !strings.Contains(out, "student 22000002 has several entries") {
		t.Errorf("output: %s", out)
	}
	if got := f.entry("22000002T").GetAttributeValue("mobile"); got != "+33788102502" {
		t.Errorf("duplicate student updated: %q", got)
	}
}

// TestPolicyDNOnSyncedAccounts: accounts created by a sync get the
// students' policy, as accounts created by ldapdir.Ensure do (both are
// built by ldapdir.Layout).
func TestPolicyDNOnSyncedAccounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"))
	src, err := students.NewCSV(context.Background(), students.CSVConfig{Path: f.path, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.config()
	cfg.PolicyDN = f.srv.PolicyDN
	sum, err := ldapsync.Run(context.Background(), ldapsync.Options{Source: src, Directory: cfg, Logger: quiet}, io.Discard)
	if err != nil || sum.Created != 1 {
		t.Fatalf("%v %v", sum, err)
	}
	if got := f.entry("22000001T").GetAttributeValue("pwdPolicySubentry"); got != f.srv.PolicyDN {
		t.Errorf("pwdPolicySubentry = %q, want %q", got, f.srv.PolicyDN)
	}
}

// Sync spells login patterns as the flows do ({student_id}); the old
// {studentID} is the same pattern.
func TestLoginPatternOneSyntax(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"), row("22000002", "0788102502"))
	if _, _, err := f.run(ldapsync.Options{LoginPattern: "{student_id}E"}); err != nil {
		t.Fatal(err)
	}
	if f.entry("22000001E") == nil {
		t.Error("{student_id}E made no 22000001E")
	}
	if _, _, err := f.run(ldapsync.Options{LoginPattern: "{studentID}E"}); err != nil {
		t.Fatal(err)
	}
	if f.entry("22000002E") == nil || f.entry("22000002T") != nil {
		t.Error("{studentID}E is not the same pattern")
	}
	if _, _, err := f.run(ldapsync.Options{LoginPattern: "{ine}"}); err == nil {
		t.Error("a login from the INE accepted: it must not change")
	}
}

// The summary's log line is JSON an operator reads: its duration is
// written "1.234s", not as nanoseconds (issue 11).
func TestSummaryLogReadable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write(row("22000001", "0788102501"))
	var logs bytes.Buffer
	if _, _, err := f.run(ldapsync.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}); err != nil {
		t.Fatal(err)
	}
	var done map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "ldapsync done" {
			done = m
		}
	}
	el, ok := done["elapsed"].(string)
	if d, err := time.ParseDuration(el); !ok || err != nil || d <= 0 {
		t.Fatalf("elapsed = %#v in %v", done["elapsed"], done)
	}
}
