package ldapsync_test

import (
	"fmt"
	"testing"

	"github.com/seuil-idp/seuil/ldapsync"
)

// TestGuardCountsOnlyNewLeavers: accounts of students who left in earlier
// years stay in the directory, already marked, and absent from every
// extraction. The guard against a truncated extraction must weigh what the
// policy would change now, or after a few years every nightly run fails
// and no new leaver is ever marked without force.
func TestGuardCountsOnlyNewLeavers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var rows []string
	for i := 1; i <= 10; i++ {
		rows = append(rows, row(fmt.Sprintf("220000%02d", i), fmt.Sprintf("07881025%02d", i)))
	}
	f.write(rows...)
	if _, _, err := f.run(ldapsync.Options{}); err != nil {
		t.Fatal(err)
	}
	f.write(rows[3:]...) // three graduated last year: marked, with force
	if sum, _, err := f.run(ldapsync.Options{Force: true}); err != nil || sum.Left != 3 {
		t.Fatalf("forced: %v %v", sum, err)
	}
	// Nothing new: 3 of 10 absent, all already handled.
	if sum, _, err := f.run(ldapsync.Options{}); err != nil || sum.Left != 0 || sum.Leavers != 3 {
		t.Fatalf("unchanged run: %v %v", sum, err)
	}
	// One more leaves: 4 absent, 1 to mark.
	f.write(rows[4:]...)
	sum, _, err := f.run(ldapsync.Options{})
	if err != nil || sum.Left != 1 || sum.Leavers != 4 {
		t.Fatalf("one new leaver: %v %v", sum, err)
	}
	if got := f.entry("22000004T").GetAttributeValue("supannEtuDateFin"); got == "" {
		t.Error("new leaver not marked")
	}
}
