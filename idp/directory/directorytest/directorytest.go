// Package directorytest is the conformance suite every Directory runs:
// the behaviour the flows and the login page rely on, defined once, so
// that the embedded store cannot drift from LDAP.
package directorytest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/students"
)

// Factory returns a new, empty directory whose passwords expire maxAge
// after they are set, without grace logins, that remembers at least
// HistoryDepth previous passwords and accepts passwords of 8 printable
// ASCII characters or more. The suite calls it a few times.
type Factory func(t *testing.T, maxAge time.Duration) directory.Directory

// Settings of the suite the factory must honour.
const (
	MaxAge       = 30 * 24 * time.Hour // the main directory's password lifetime
	ShortMaxAge  = 3 * time.Second     // for the expiry test (≥ 2 s: LDAP stores seconds)
	HistoryDepth = 5                   // previous passwords refused, besides the current one
)

// Run runs the suite. Subtests share one directory (each uses its own
// student numbers) and run in parallel.
func Run(t *testing.T, newDir Factory) {
	d := newDir(t, MaxAge)
	s := &suite{d: d, newDir: newDir}
	tests := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"EnsureCreatesWithoutPassword", s.ensureCreates},
		{"EnsureIsIdempotent", s.ensureIdempotent},
		{"EnsureConcurrent", s.ensureConcurrent},
		{"EnsureLoginTaken", s.ensureLoginTaken},
		{"NotFound", s.notFound},
		{"SubjectStableAndOpaque", s.subject},
		{"NamesAndLoginsNeedingEscaping", s.escaping},
		{"FilterInjectionFindsNothing", s.injection},
		{"SetPasswordActivates", s.setPassword},
		{"Authenticate", s.authenticate},
		{"CreatedAccountCannotSignIn", s.createdCannotSignIn},
		{"PasswordHistory", s.history},
		{"PasswordExpiry", s.expiry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t)
		})
	}
}

type suite struct {
	d      directory.Directory
	newDir Factory
}

var seq atomic.Int64

// record makes a student record with a student number unique in the run.
func record() students.Record {
	n := seq.Add(1)
	return students.Record{
		StudentID: fmt.Sprintf("2%07d", 1000000+n),
		INE:       fmt.Sprintf("%09dAB", 123000000+n),
		FirstName: "Camille",
		LastName:  "Martin",
		Mobile:    "+33612345678",
		Email:     fmt.Sprintf("camille.martin%d@example.org", n),
		Year:      2026,
	}
}

func loginOf(rec students.Record) string { return rec.StudentID + "T" }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// ensure creates a fresh account and returns it.
func (s *suite) ensure(t *testing.T, d directory.Directory) (students.Record, directory.Account) {
	t.Helper()
	rec := record()
	acc, err := d.Ensure(ctx(t), rec, loginOf(rec))
	if err != nil {
		t.Fatalf("Ensure(%s): %v", rec.StudentID, err)
	}
	return rec, acc
}

// active creates an account and sets its password.
func (s *suite) active(t *testing.T, d directory.Directory, password string) directory.Account {
	t.Helper()
	_, acc := s.ensure(t, d)
	if err := d.SetPassword(ctx(t), acc.Login, password); err != nil {
		t.Fatalf("SetPassword(%s): %v", acc.Login, err)
	}
	return acc
}

// sameAccount checks the fields that come from the record.
func sameAccount(t *testing.T, got directory.Account, rec students.Record, login string) {
	t.Helper()
	want := directory.Account{Login: login, StudentID: rec.StudentID, INE: rec.INE,
		FirstName: rec.FirstName, LastName: rec.LastName, Email: rec.Email, Mobile: rec.Mobile}
	got.Subject, got.State, got.PasswordChangedAt, got.PasswordExpiresAt = "", "", time.Time{}, time.Time{}
	if got != want {
		t.Errorf("account = %+v\nwant      %+v", got, want)
	}
}
