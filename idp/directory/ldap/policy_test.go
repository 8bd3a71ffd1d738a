package ldapdir_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/students"
)

var rec = students.Record{StudentID: "22012345", INE: "123456789AB", FirstName: "Zoé", LastName: "D'Arc",
	Email: "zoe@example.org", Mobile: "+33612345678", Year: 2026, EndDate: time.Date(2027, 8, 31, 0, 0, 0, 0, time.UTC)}

const login = "22012345T"

func readEntry(t *testing.T, c *ldap.Conn, dn string, attrs ...string) *ldap.Entry {
	t.Helper()
	res, err := c.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", attrs, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("read %s: %v", dn, err)
	}
	return res.Entries[0]
}

func TestEntryIsSupAnn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, srv := open(t, slapdtest.Options{})
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	admin := srv.Admin(t)
	dn := "uid=" + login + "," + srv.PeopleDN
	today := time.Now().UTC().Format("20060102")
	e := readEntry(t, admin, dn, "*", "entryUUID")
	want := map[string]string{
		"supannEtuId": "22012345", "supannAliasLogin": login, "supannCodeINE": "123456789AB",
		"eduPersonPrincipalName": login + "@univ-tours.fr", "eduPersonPrimaryAffiliation": "student",
		"supannRessourceEtatDate": "{COMPTE}I:SupannCree:" + today + ":", "cn": "Zoé D'Arc",
		"supannMailPerso": "zoe@example.org", "mobile": "+33612345678",
		"supannEtuAnneeInscription": "2026", "supannEtuDateFin": "20270831000000Z",
	}
	for attr, v := range want {
		if got := e.GetAttributeValue(attr); got != v {
			t.Errorf("%s = %q, want %q", attr, got, v)
		}
	}
	if e.GetAttributeValue("userPassword") != "" {
		t.Error("created account has a password")
	}
	if err := d.SetPassword(ctx, login, "Supann-pass-1"); err != nil {
		t.Fatal(err)
	}
	e = readEntry(t, admin, dn, "userPassword", "supannRessourceEtatDate")
	if got := e.GetAttributeValue("supannRessourceEtatDate"); got != "{COMPTE}A:SupannActif:"+today+":" {
		t.Errorf("state after SetPassword = %q", got)
	}
	if pw := e.GetAttributeValue("userPassword"); !strings.HasPrefix(pw, "{ARGON2}$argon2") {
		t.Errorf("userPassword not hashed by the server: %.20q", pw)
	}
}

// TestServiceCannotBypassHistory proves the service account is checked by
// ppolicy like the user (ACL write, not manage): neither the extended
// operation nor a plain modify can reuse a password, nor can it erase the
// history. The rootDN, which can, shows the check is not vacuous.
func TestServiceCannotBypassHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, srv := open(t, slapdtest.Options{})
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Old-pass-1", "Current-pass-1"} {
		if err := d.SetPassword(ctx, login, p); err != nil {
			t.Fatal(err)
		}
	}
	dn := "uid=" + login + "," + srv.PeopleDN
	svc, err := ldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := svc.Bind(srv.ServiceDN, srv.ServicePassword); err != nil {
		t.Fatal(err)
	}
	_, err = svc.PasswordModify(&ldap.PasswordModifyRequest{UserIdentity: dn, NewPassword: "Old-pass-1"})
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultConstraintViolation) {
		t.Errorf("service exop reuse: %v, want constraint violation", err)
	}
	mod := ldap.NewModifyRequest(dn, nil)
	mod.Replace("userPassword", []string{"Old-pass-1"})
	if err := svc.Modify(mod); !ldap.IsErrorWithCode(err, ldap.LDAPResultConstraintViolation) {
		t.Errorf("service plain modify reuse: %v, want constraint violation", err)
	}
	wipe := ldap.NewModifyRequest(dn, nil)
	wipe.Delete("pwdHistory", nil)
	if err := svc.Modify(wipe); err == nil {
		t.Error("service account erased pwdHistory")
	}
	if _, err := d.Authenticate(ctx, login, "Current-pass-1"); err != nil {
		t.Errorf("password changed by a refused attempt: %v", err)
	}
	admin := srv.Admin(t)
	if _, err := admin.PasswordModify(&ldap.PasswordModifyRequest{UserIdentity: dn, NewPassword: "Old-pass-1"}); err != nil {
		t.Errorf("control: the rootDN should bypass history: %v", err)
	}
}

func TestQualityRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := open(t, slapdtest.Options{MinLength: 12})
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, login, "Short-1"); !errors.Is(err, directory.ErrPasswordQuality) {
		t.Errorf("short password: %v, want ErrPasswordQuality", err)
	}
	if acc, _ := d.FindByLogin(ctx, login); acc.State != directory.StateCreated {
		t.Errorf("refused password activated the account: %q", acc.State)
	}
}

func TestLockout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := open(t, slapdtest.Options{MaxFailure: 3})
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, login, "Lockout-pass-1"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := d.Authenticate(ctx, login, "Wrong-pass-1"); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if _, err := d.Authenticate(ctx, login, "Lockout-pass-1"); !errors.Is(err, directory.ErrLocked) {
		t.Errorf("right password on a locked account: %v, want ErrLocked", err)
	}
	if acc, _ := d.FindByLogin(ctx, login); acc.State != directory.StateLocked {
		t.Errorf("state = %q, want locked", acc.State)
	}
}

// Standing, read with four attributes, says what FindByLogin says of
// the account's subject and state, through its life.
func TestStandingAsFindByLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := open(t, slapdtest.Options{MaxFailure: 2})
	if _, err := d.Standing(ctx, login); !errors.Is(err, directory.ErrNotFound) {
		t.Fatalf("no account yet: %v", err)
	}
	same := func(want directory.State) {
		t.Helper()
		acc, err := d.FindByLogin(ctx, login)
		st, serr := d.Standing(ctx, login)
		if err != nil || serr != nil || st.Subject != acc.Subject || st.State != acc.State || st.State != want || st.Subject == "" {
			t.Fatalf("Standing %+v (%v), FindByLogin %q %q (%v); want %q", st, serr, acc.Subject, acc.State, err, want)
		}
	}
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	same(directory.StateCreated)
	if err := d.SetPassword(ctx, login, "Standing-pass-1"); err != nil {
		t.Fatal(err)
	}
	same(directory.StateActive)
	for range 2 {
		_, _ = d.Authenticate(ctx, login, "Wrong-pass-1")
	}
	same(directory.StateLocked)
}

func TestGraceLoginSucceeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := open(t, slapdtest.Options{MaxAge: time.Second, GraceLogins: 2})
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, login, "Grace-pass-1"); err != nil {
		t.Fatal(err)
	}
	if acc, err := d.Authenticate(ctx, login, "Grace-pass-1"); err != nil || acc.InGrace {
		t.Errorf("before expiry: %+v, %v; want a plain sign-in", acc, err)
	}
	time.Sleep(2100 * time.Millisecond)
	// Each grace login says how many remain, for the sign-in page.
	for _, left := range []int{1, 0} {
		acc, err := d.Authenticate(ctx, login, "Grace-pass-1")
		if err != nil || !acc.InGrace || acc.GraceLeft != left {
			t.Errorf("grace login: %+v, %v; want in grace with %d left", acc, err, left)
		}
	}
	if _, err := d.Authenticate(ctx, login, "Grace-pass-1"); !errors.Is(err, directory.ErrPasswordExpired) {
		t.Errorf("after the grace login: %v, want ErrPasswordExpired", err)
	}
}

// The policy the flows check themselves against is the one slapd holds.
func TestPasswordPolicyRead(t *testing.T) {
	t.Parallel()
	d, srv := open(t, slapdtest.Options{MaxAge: 180 * 24 * time.Hour, InHistory: 3, MinLength: 10})
	p, err := d.PasswordPolicy(context.Background())
	want := directory.Policy{Source: srv.PolicyDN, MaxAge: 180 * 24 * time.Hour, InHistory: 3, MinLength: 10}
	if err != nil || p != want {
		t.Errorf("PasswordPolicy = %+v, %v; want %+v", p, err, want)
	}
	none, err := ldapdir.New(context.Background(), ldapdir.Config{WriteURL: srv.URL, BindDN: srv.ServiceDN,
		BindPassword: srv.ServicePassword, BaseDN: srv.PeopleDN, Domain: "univ-tours.fr", OpTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer none.Close()
	if p, err := none.PasswordPolicy(context.Background()); err != nil || p != (directory.Policy{}) {
		t.Errorf("without a policy DN: %+v, %v; want the zero policy", p, err)
	}
}
