package students_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/students"
)

// addStudent adds a pre-provisioned entry as the university's own sync
// would, as the rootDN.
func addStudent(t testing.TB, c *ldap.Conn, base, id string, attrs map[string][]string) {
	t.Helper()
	req := ldap.NewAddRequest("uid=etu"+id+","+base, nil)
	req.Attribute("objectClass", []string{"inetOrgPerson", "supannPerson", "eduPerson"})
	req.Attribute("uid", []string{"etu" + id})
	req.Attribute("cn", []string{"x"})
	req.Attribute("eduPersonAffiliation", []string{"student"})
	req.Attribute("supannEtuId", []string{id})
	for k, v := range attrs {
		req.Attribute(k, v)
	}
	if err := c.Add(req); err != nil {
		t.Fatal(err)
	}
}

func TestLDAPSource(t *testing.T) {
	t.Parallel()
	srv := slapdtest.Start(t, slapdtest.Options{})
	admin := srv.Admin(t)
	addStudent(t, admin, srv.PeopleDN, "22012345", map[string][]string{"sn": {"Dupont"}, "givenName": {"Élodie"},
		"supannCodeINE": {"123456789ab"}, "mobile": {"07 88 10 25 99"}, "supannMailPerso": {"elodie@example.org"},
		"supannEtuAnneeInscription": {"2026"}, "supannEtuDateFin": {"20270831000000Z"}})
	addStudent(t, admin, srv.PeopleDN, "22012346", map[string][]string{"sn": {"Bad"}, "givenName": {"Ine"},
		"supannCodeINE": {"nope"}})
	// Not a student: ignored by the default filter.
	req := ldap.NewAddRequest("uid=staff1,"+srv.PeopleDN, nil)
	req.Attribute("objectClass", []string{"inetOrgPerson", "supannPerson", "eduPerson"})
	req.Attribute("uid", []string{"staff1"})
	req.Attribute("cn", []string{"x"})
	req.Attribute("sn", []string{"Staff"})
	req.Attribute("eduPersonAffiliation", []string{"staff"})
	req.Attribute("supannEtuId", []string{"99999999"})
	if err := admin.Add(req); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	src, err := students.NewLDAP(ctx, students.LDAPConfig{URL: srv.URL, BindDN: srv.ServiceDN,
		BindPassword: srv.ServicePassword, BaseDN: srv.PeopleDN, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := students.Record{StudentID: "22012345", INE: "123456789AB", LastName: "Dupont", FirstName: "Élodie",
		Mobile: "+33788102599", Email: "elodie@example.org", Year: 2026, EndDate: time.Date(2027, 8, 31, 0, 0, 0, 0, time.UTC)}

	got, err := src.Lookup(ctx, "22012345")
	if err != nil || got != want {
		t.Fatalf("lookup: %+v %v\nwant %+v", got, err, want)
	}
	for _, id := range []string{"99999999", "*", "22012345)(uid=*", "0"} {
		if _, err := src.Lookup(ctx, id); !errors.Is(err, students.ErrNotFound) {
			t.Errorf("lookup %q: %v, want ErrNotFound", id, err)
		}
	}
	if _, err := src.Lookup(ctx, "22012346"); !errors.Is(err, students.ErrINEFormat) {
		t.Errorf("invalid entry: %v", err)
	}

	var recs []students.Record
	var bad []*students.RowError
	err = src.All(ctx, func(r students.Record) error { recs = append(recs, r); return nil },
		func(e *students.RowError) { bad = append(bad, e) })
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0] != want || len(bad) != 1 || bad[0].Key != "22012346" || !errors.Is(bad[0], students.ErrINEFormat) {
		t.Fatalf("all: %+v bad %+v", recs, bad)
	}

	if _, err := students.NewLDAP(ctx, students.LDAPConfig{URL: srv.URL, BindDN: srv.ServiceDN,
		BindPassword: "wrong", BaseDN: srv.PeopleDN}); err == nil {
		t.Error("wrong password accepted")
	}
}
