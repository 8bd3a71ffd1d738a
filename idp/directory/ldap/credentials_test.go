package ldapdir_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/credentials"
	"github.com/seuil-idp/seuil/idp/credentials/credentialstest"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/students"
)

// The credential store runs on real slapd with the shipped schema
// (schema/seuil.schema) and the ACL the README gives.
func TestCredentialsConformance(t *testing.T) {
	t.Parallel()
	credentialstest.Run(t, func(t *testing.T) credentialstest.Harness {
		d, srv := open(t, slapdtest.Options{})
		for _, id := range []string{"22000001", "22000002"} {
			if _, err := d.Ensure(context.Background(), students.Record{StudentID: id, FirstName: "A", LastName: "B"}, id+"T"); err != nil {
				t.Fatal(err)
			}
		}
		return credentialstest.Harness{
			Backend: d, Logins: [2]string{"22000001T", "22000002T"},
			Reopen: func(t *testing.T) credentials.Backend {
				again, err := ldapdir.New(context.Background(), ldapdir.Config{WriteURL: srv.URL,
					BindDN: srv.ServiceDN, BindPassword: srv.ServicePassword, BaseDN: srv.PeopleDN})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(again.Close)
				return again
			},
			Raw: func(t *testing.T, login string) []byte {
				c := srv.Admin(t)
				res, err := c.Search(ldap.NewSearchRequest(srv.PeopleDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
					0, 0, false, "(uid="+ldap.EscapeFilter(login)+")", []string{"*", "+"}, nil))
				if err != nil {
					t.Fatal(err)
				}
				var out []byte
				for _, e := range res.Entries {
					for _, a := range e.Attributes {
						for _, v := range a.ByteValues {
							out = fmt.Appendf(out, "%s: %s\n", a.Name, v)
						}
					}
				}
				return out
			},
		}
	})
}

// Staff roles come from eduPersonEntitlement and group membership, read
// as the service account; a login full of filter metacharacters matches
// nothing.
func TestMemberships(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, srv := open(t, slapdtest.Options{})
	if _, err := d.Ensure(ctx, students.Record{StudentID: "90000001", FirstName: "Hélène", LastName: "Support"}, "hsupport"); err != nil {
		t.Fatal(err)
	}
	admin := srv.Admin(t)
	dn := "uid=hsupport," + srv.PeopleDN
	mod := ldap.NewModifyRequest(dn, nil)
	mod.Add("eduPersonEntitlement", []string{"urn:mace:univ-tours.fr:seuil:helpdesk"})
	if err := admin.Modify(mod); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct{ cn, class, attr string }{{"helpdesk", "groupOfNames", "member"}, {"admins", "groupOfUniqueNames", "uniqueMember"}} {
		req := ldap.NewAddRequest("cn="+g.cn+",ou=groups,"+srv.Suffix, nil)
		req.Attribute("objectClass", []string{g.class})
		member := dn
		if g.cn == "admins" {
			member = "uid=someone-else," + srv.PeopleDN
		}
		req.Attribute(g.attr, []string{member})
		if err := admin.Add(req); err != nil {
			t.Fatal(err)
		}
	}
	cands := []string{"cn=helpdesk,ou=groups," + srv.Suffix, "cn=admins,ou=groups," + srv.Suffix, "cn=absent,ou=groups," + srv.Suffix}
	ents, groups, err := d.Memberships(ctx, "hsupport", cands)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ents, []string{"urn:mace:univ-tours.fr:seuil:helpdesk"}) || !slices.Equal(groups, cands[:1]) {
		t.Errorf("Memberships = %v, %v", ents, groups)
	}
	if ents, groups, err := d.Memberships(ctx, "*)(uid=*", cands); err != nil || ents != nil || groups != nil {
		t.Errorf("metacharacters: %v, %v, %v", ents, groups, err)
	}
}
