package ldapdir_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
)

// TestExpiryFromEntryPolicy: an entry's own pwdPolicySubentry wins over
// the default policy for the expiry date.
func TestExpiryFromEntryPolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, srv := open(t, slapdtest.Options{})
	admin := srv.Admin(t)
	policy := "cn=staff,ou=policies," + srv.Suffix
	add := ldap.NewAddRequest(policy, nil)
	add.Attribute("objectClass", []string{"organizationalRole", "pwdPolicy"})
	add.Attribute("cn", []string{"staff"})
	add.Attribute("pwdAttribute", []string{"userPassword"})
	add.Attribute("pwdMaxAge", []string{"86400"})
	if err := admin.Add(add); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	mod := ldap.NewModifyRequest("uid="+login+","+srv.PeopleDN, nil)
	mod.Replace("pwdPolicySubentry", []string{policy})
	if err := admin.Modify(mod); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, login, "Staff-pass-1"); err != nil {
		t.Fatal(err)
	}
	acc, err := d.FindByLogin(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	if got := acc.PasswordExpiresAt.Sub(acc.PasswordChangedAt); got != 24*time.Hour {
		t.Errorf("lifetime = %v, want the entry policy's 24h", got)
	}
}

// TestPolicyDNOnNewAccounts: Config.PolicyDN is written on new entries by
// the service account, and their expiry follows it.
func TestPolicyDNOnNewAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := slapdtest.Start(t, slapdtest.Options{})
	policy := "cn=students,ou=policies," + srv.Suffix
	add := ldap.NewAddRequest(policy, nil)
	add.Attribute("objectClass", []string{"organizationalRole", "pwdPolicy"})
	add.Attribute("cn", []string{"students"})
	add.Attribute("pwdAttribute", []string{"userPassword"})
	add.Attribute("pwdMaxAge", []string{"3600"})
	add.Attribute("pwdInHistory", []string{"5"})
	if err := srv.Admin(t).Add(add); err != nil {
		t.Fatal(err)
	}
	d, err := ldapdir.New(ctx, ldapdir.Config{WriteURL: srv.URL, BindDN: srv.ServiceDN,
		BindPassword: srv.ServicePassword, BaseDN: srv.PeopleDN, DefaultPolicyDN: srv.PolicyDN, PolicyDN: policy})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, login, "Students-pass-1"); err != nil {
		t.Fatal(err)
	}
	acc, err := d.FindByLogin(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	if got := acc.PasswordExpiresAt.Sub(acc.PasswordChangedAt); got != time.Hour {
		t.Errorf("lifetime = %v, want the configured policy's 1h", got)
	}
}
