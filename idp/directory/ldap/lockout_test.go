package ldapdir_test

import (
	"context"
	"errors"
	"testing"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/students"
)

// ppolicy locks an account after pwdMaxFailure wrong binds; the helpdesk
// sees it and lifts it, and the student signs in again.
func TestLockoutSeenAndLifted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := open(t, slapdtest.Options{MaxFailure: 3})
	if _, err := d.Ensure(ctx, students.Record{StudentID: "22012345", FirstName: "A", LastName: "B"}, "22012345T"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, "22012345T", "Lockout-test-42"); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		_, _ = d.Authenticate(ctx, "22012345T", "wrong-password-1")
	}
	l, err := d.Lockout(ctx, "22012345T")
	if err != nil {
		t.Fatal(err)
	}
	if l.LockedAt.IsZero() || l.Failures < 3 || l.LastFailure.IsZero() {
		t.Fatalf("after 4 wrong binds: %+v, want locked with failures", l)
	}
	if _, err := d.Authenticate(ctx, "22012345T", "Lockout-test-42"); err == nil {
		t.Fatal("a locked account signed in")
	}
	if err := d.Unlock(ctx, "22012345T"); err != nil {
		t.Fatal(err)
	}
	if l, _ := d.Lockout(ctx, "22012345T"); !l.LockedAt.IsZero() || l.Failures != 0 {
		t.Errorf("after unlock: %+v", l)
	}
	if _, err := d.Authenticate(ctx, "22012345T", "Lockout-test-42"); err != nil {
		t.Errorf("after unlock: %v", err)
	}
	if _, err := d.Lockout(ctx, "*"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("Lockout(*) = %v", err)
	}
}
