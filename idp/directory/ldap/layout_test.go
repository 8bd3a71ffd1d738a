package ldapdir_test

import (
	"slices"
	"testing"
	"time"

	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/students"
)

// TestLayoutNewEntry checks the entry every account starts as, whoever
// creates it (Ensure or ldapsync).
func TestLayoutNewEntry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 9, 1, 23, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	paris := time.FixedZone("CET", 3600)
	full := students.Record{StudentID: "22000001", INE: "123456789AB", FirstName: "Zoé", LastName: "Martin",
		Email: "zoe@example.org", Mobile: "+33612345678", Year: 2026, EndDate: time.Date(2027, 8, 31, 0, 0, 0, 0, paris)}
	tests := []struct {
		name   string
		cfg    ldapdir.Config
		rec    students.Record
		want   map[string][]string
		absent []string
	}{
		{"defaults, full record", ldapdir.Config{BaseDN: "ou=people,dc=x"}, full, map[string][]string{
			"objectClass":                 {"top", "inetOrgPerson", "supannPerson", "eduPerson"},
			"uid":                         {"22000001T"},
			"supannAliasLogin":            {"22000001T"},
			"eduPersonAffiliation":        {"student", "member"},
			"eduPersonPrimaryAffiliation": {"student"},
			"supannRessourceEtatDate":     {"{COMPTE}I:SupannCree:20260901:"},
			"supannEtuId":                 {"22000001"}, "supannCodeINE": {"123456789AB"},
			"givenName": {"Zoé"}, "sn": {"Martin"}, "cn": {"Zoé Martin"},
			"mobile": {"+33612345678"}, "supannMailPerso": {"zoe@example.org"},
			"supannEtuAnneeInscription": {"2026"}, "supannEtuDateFin": {"20270831000000Z"},
		}, []string{"eduPersonPrincipalName", "pwdPolicySubentry", "userPassword"}},
		{"domain, policy, alias is the login", ldapdir.Config{BaseDN: "ou=people,dc=x", Domain: "univ-tours.fr",
			PolicyDN: "cn=students,ou=policies,dc=x", Attributes: ldapdir.Attributes{AliasLogin: "uid"}},
			students.Record{StudentID: "22000001", Email: "zoé@exemple.fr"}, map[string][]string{
				"eduPersonPrincipalName": {"22000001T@univ-tours.fr"},
				"pwdPolicySubentry":      {"cn=students,ou=policies,dc=x"},
				"uid":                    {"22000001T"}, "sn": {"22000001T"}, "cn": {"22000001T"},
			}, []string{"supannAliasLogin", "supannMailPerso", "givenName", "supannEtuDateFin", "supannEtuAnneeInscription"}},
	}
	for _, tt := range tests {
		req := tt.cfg.Layout().NewEntry(tt.rec, "22000001T", now)
		if req.DN != "uid=22000001T,ou=people,dc=x" {
			t.Errorf("%s: DN %q", tt.name, req.DN)
		}
		got := map[string][]string{}
		var order []string
		for _, a := range req.Attributes {
			got[a.Type] = a.Vals
			order = append(order, a.Type)
		}
		if !slices.IsSorted(order) {
			t.Errorf("%s: attributes not in name order: %v", tt.name, order)
		}
		for name, want := range tt.want {
			if !slices.Equal(got[name], want) {
				t.Errorf("%s: %s = %q, want %q", tt.name, name, got[name], want)
			}
		}
		for _, name := range tt.absent {
			if v, ok := got[name]; ok {
				t.Errorf("%s: %s = %q, want none", tt.name, name, v)
			}
		}
	}
}

// TestLayoutSynced: every managed attribute is in Synced, empty when the
// source has no value, so that a sync removes what the source dropped.
func TestLayoutSynced(t *testing.T) {
	t.Parallel()
	l := ldapdir.Config{BaseDN: "ou=people,dc=x"}.Layout()
	m := l.Synced(students.Record{StudentID: "22000001"}, "22000001T")
	if len(m) != len(l.Managed()) {
		t.Errorf("Synced has %d attributes, Managed %d", len(m), len(l.Managed()))
	}
	for _, name := range l.Managed() {
		if _, ok := m[name]; !ok {
			t.Errorf("managed %s missing from Synced", name)
		}
	}
	if len(m["mobile"]) != 0 || len(m["supannMailPerso"]) != 0 || !slices.Equal(m["sn"], []string{"22000001T"}) {
		t.Errorf("Synced of a bare record: %q", m)
	}
}
