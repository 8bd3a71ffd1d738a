// Package studentstest is the conformance suite every student source
// (CSV, SQL, LDAP) passes, as directorytest is for directories: lookup
// by number, the INE and phone normalised the same way, unknown
// students, bulk iteration for sync, cancellation, malformed rows.
package studentstest

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/students"
)

// Raw is one student as the source stores it, before Seuil normalises
// it: the harness writes it in its source's own form (a CSV line, a
// table row, an LDAP entry).
type Raw struct {
	StudentID, INE, LastName, FirstName, Mobile, Email string
	BirthDate                                          time.Time // zero: none
	Year                                               int       // zero: none
}

// Source is what a student source offers: lookups and bulk reads.
type Source interface {
	students.Source
	students.Bulk
}

// Students are the rows every harness loads: three valid students (INE
// in lower case, phones as typed in France and abroad, one without
// mobile) and one whose INE matches no format.
var Students = []Raw{
	{StudentID: "22012345", INE: "123456789ab", LastName: "Dupont", FirstName: "Élodie", Mobile: "07 88 10 25 99",
		Email: "elodie@example.org", BirthDate: time.Date(2005, 7, 3, 0, 0, 0, 0, time.UTC), Year: 2026},
	{StudentID: "22012346", INE: "0123456789A", LastName: "Martin", FirstName: "Jean", Mobile: "+44 7911 123456"},
	{StudentID: "22012347", INE: "2345678901B", LastName: "D'Arc", FirstName: "Zoé", Email: "zoe@example.org"},
	{StudentID: "22012348", INE: "not-an-ine", LastName: "Bad", FirstName: "Ine"},
}

// Want are the records Students must read as (the invalid one left out).
var Want = []students.Record{
	{StudentID: "22012345", INE: "123456789AB", LastName: "Dupont", FirstName: "Élodie", Mobile: "+33788102599",
		Email: "elodie@example.org", BirthDate: time.Date(2005, 7, 3, 0, 0, 0, 0, time.UTC), Year: 2026},
	{StudentID: "22012346", INE: "0123456789A", LastName: "Martin", FirstName: "Jean", Mobile: "+447911123456"},
	{StudentID: "22012347", INE: "2345678901B", LastName: "D'Arc", FirstName: "Zoé", Email: "zoe@example.org"},
}

// invalid is the student number of the malformed row.
const invalid = "22012348"

// Run runs the suite on the source open returns, loaded with rows.
func Run(t *testing.T, open func(t *testing.T, rows []Raw) Source) {
	ctx := context.Background()
	src := open(t, Students)

	t.Run("lookup", func(t *testing.T) {
		for _, want := range Want {
			got, err := src.Lookup(ctx, want.StudentID)
			if err != nil || got != want {
				t.Errorf("Lookup(%s) = %+v, %v\nwant %+v", want.StudentID, got, err, want)
			}
		}
	})
	t.Run("unknown student", func(t *testing.T) {
		for _, id := range []string{"99999999", "2201234", "*", "22012345*", "22012345) OR (1=1"} {
			if _, err := src.Lookup(ctx, id); !errors.Is(err, students.ErrNotFound) {
				t.Errorf("Lookup(%q) = %v, want ErrNotFound", id, err)
			}
		}
	})
	t.Run("a malformed row is never a record", func(t *testing.T) {
		rec, err := src.Lookup(ctx, invalid)
		if err == nil {
			t.Fatalf("Lookup(%s) = %+v, want an error", invalid, rec)
		}
	})
	t.Run("bulk", func(t *testing.T) {
		var got []students.Record
		var bad []*students.RowError
		err := src.All(ctx, func(r students.Record) error { got = append(got, r); return nil },
			func(e *students.RowError) { bad = append(bad, e) })
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(got, func(i, j int) bool { return got[i].StudentID < got[j].StudentID })
		if !slices.Equal(got, Want) {
			t.Errorf("All read\n%+v\nwant\n%+v", got, Want)
		}
		if len(bad) != 1 || bad[0].Key != invalid || !errors.Is(bad[0], students.ErrINEFormat) {
			t.Errorf("row errors %+v, want one for %s (INE)", bad, invalid)
		}
	})
	t.Run("bulk stops at the caller's error", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := src.All(ctx, func(students.Record) error { n++; return stop }, func(*students.RowError) {})
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("All = %v after %d records, want stop after 1", err, n)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		// A cancelled lookup may answer from memory, but it never says
		// "no such student": that would read as a mismatch.
		if _, err := src.Lookup(cctx, Want[0].StudentID); errors.Is(err, students.ErrNotFound) {
			t.Errorf("a cancelled lookup of a known student read as ErrNotFound")
		}
		n := 0
		err := src.All(cctx, func(students.Record) error { n++; return nil }, func(*students.RowError) {})
		if err == nil && n == len(Want) {
			// An in-memory source may finish before looking at ctx;
			// nothing else may report success on a cancelled context.
			return
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("All on a cancelled context = %v (%d records), want context.Canceled", err, n)
		}
	})
}
