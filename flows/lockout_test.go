package flows_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
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

// A code the helpdesk sends to the contacts on record is taken once by
// the student's flow at the verify step, in place of a code that never
// arrived; a second flow cannot use it again.
func TestHelpdeskCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) { d.Secret = []byte("0123456789abcdef-helpdesk") })
	b := e.browser(t)
	b.follow("/activation")
	b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	own := e.box.lastCode(t)
	smsTo, mailTo, err := e.h.SendHelpdeskCode(context.Background(), "22012345", "fr")
	if err != nil || smsTo == "" || mailTo == "" || strings.Contains(smsTo, "88102599") {
		t.Fatalf("SendHelpdeskCode = %q, %q, %v", smsTo, mailTo, err)
	}
	code := e.box.lastCode(t)
	if code == own {
		t.Skip("the two codes drew the same digits")
	}
	r := b.post("/activation/verify", url.Values{"code": {code}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/activation/password") {
		t.Fatalf("the helpdesk code: %d %s\n%s", r.status, r.location, r.body)
	}
	b2 := e.browser(t)
	b2.follow("/activation")
	b2.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	if r := b2.post("/activation/verify", url.Values{"code": {code}}); r.status == http.StatusSeeOther {
		t.Fatal("a helpdesk code was taken twice")
	}
	if _, _, err := e.h.SendHelpdeskCode(context.Background(), "99999999", "fr"); !errors.Is(err, students.ErrNotFound) {
		t.Errorf("an unknown student: %v", err)
	}
}
