package flows_test

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/seuil-idp/seuil/flows"
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
