package ldapdir_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/seuil-idp/seuil/idp/directory"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/students"
)

func TestSnapshotAndApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := open(t, slapdtest.Options{})
	n := ldapdir.SnapshotPageSize + 20 // crosses a page boundary
	changes := make([]ldapdir.Change, n)
	for i := range changes {
		r := students.Record{StudentID: fmt.Sprintf("3%07d", i), FirstName: "Anaïs", LastName: fmt.Sprintf("N°%d", i),
			Mobile: "+33612345678", Email: fmt.Sprintf("s%d@example.org", i)}
		changes[i] = ldapdir.Change{Kind: ldapdir.ChangeAdd, Login: r.StudentID + "T", Record: r}
	}
	for i, err := range d.Apply(ctx, changes, 4) {
		if err != nil {
			t.Fatalf("add #%d: %v", i, err)
		}
	}
	snap, err := d.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap) != n {
		t.Fatalf("snapshot has %d entries, want %d", len(snap), n)
	}
	first := snap["30000000"]
	if first.Login != "30000000T" || first.State != directory.StateCreated || len(first.Differs(changes[0].Record)) != 0 {
		t.Errorf("entry 0 = %+v, differs %v", first, first.Differs(changes[0].Record))
	}

	upd := changes[1].Record
	upd.LastName, upd.Mobile, upd.Email, upd.INE = "Nouveau", "", "new@example.org", "123456789AB"
	if got, want := snap["30000001"].Differs(upd), []string{"ine", "last_name", "mobile", "email"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Differs = %v, want %v", got, want)
	}
	errs := d.Apply(ctx, []ldapdir.Change{
		{Kind: ldapdir.ChangeUpdate, Login: "30000001T", DN: snap["30000001"].DN, Record: upd},
		{Kind: ldapdir.ChangeAdd, Login: "30000002T", Record: changes[2].Record}, // exists: not an error
		{Kind: ldapdir.ChangeUpdate, Login: "39999999T", Record: students.Record{StudentID: "39999999"}},
	}, 2)
	if errs[0] != nil || errs[1] != nil || errs[2] == nil {
		t.Fatalf("Apply errors = %v; want nil, nil, no such object", errs)
	}
	snap, err = d.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := snap["30000001"].Differs(upd); len(diff) != 0 {
		t.Errorf("after update, still differs on %v: %+v", diff, snap["30000001"])
	}
}
