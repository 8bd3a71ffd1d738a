package flows_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/idp/students"
)

// Someone who knows only a student number, at one address, cannot keep
// the student out of activation: twelve mismatches from there limit that
// address for this student, while the student, from another network,
// goes on to the code. With the old per-student limit (5 from anywhere)
// the student was refused.
func TestGuesserCannotLockStudentOutOfActivation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	attacker := e.browser(t)
	attacker.from = "192.0.2.66"
	attacker.follow("/activation")
	limited := 0
	for range 12 {
		r := attacker.post("/activation/identify", identifyForm("22012345", "987654321AB", "0788102599"))
		if r.status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 6 {
		t.Errorf("the guesser's address was limited %d times in 12, want at least 6", limited)
	}
	student := e.browser(t)
	student.from = "198.51.100.7"
	student.follow("/activation")
	r := student.post("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("the student from another network: %d, want 303 to the code\n%s", r.status, r.body)
	}
}

// switchable is a student source that can go down.
type switchable struct {
	mapSource
	down atomic.Bool
}

func (s *switchable) Lookup(ctx context.Context, id string) (students.Record, error) {
	if s.down.Load() {
		return students.Record{}, errors.New("ORA-12541: TNS:no listener")
	}
	return s.mapSource.Lookup(ctx, id)
}

// A source that cannot answer never reads as a mismatch: the student is
// told the check is unavailable and that nothing counted, and once it is
// back, the same student identifies at once however many tries failed.
func TestSourceDownIsNotAMismatch(t *testing.T) {
	t.Parallel()
	src := &switchable{mapSource: mapSource{camille.StudentID: camille}}
	src.down.Store(true)
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) { d.Students = src })
	b := e.browser(t)
	b.follow("/activation")
	for range 8 {
		r := b.post("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
		must(t, r, http.StatusServiceUnavailable, "momentanément indisponible", "ne compte pas", "Besoin d'aide")
		if strings.Contains(r.body, "ne correspondent à aucun dossier") {
			t.Fatal("a source outage shown as a mismatch")
		}
	}
	src.down.Store(false)
	r := b.post("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("source back: %d, want 303 to the code (no try was counted)\n%s", r.status, r.body)
	}
}
