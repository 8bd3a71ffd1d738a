package directorytest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
)

// slack absorbs directories that store times to the second.
const slack = 2 * time.Second

func near(a, b time.Time) bool { return a.Sub(b).Abs() <= slack }

func (s *suite) setPassword(t *testing.T) {
	_, acc := s.ensure(t, s.d)
	if st, err := s.d.Standing(ctx(t), acc.Login); err != nil || st != (directory.Standing{Subject: acc.Subject, State: directory.StateCreated}) {
		t.Errorf("Standing before the password = %+v, %v; want %q created", st, err, acc.Subject)
	}
	before := time.Now()
	if err := s.d.SetPassword(ctx(t), acc.Login, "First-pass-1"); err != nil {
		t.Fatal(err)
	}
	got, err := s.d.FindByLogin(ctx(t), acc.Login)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != directory.StateActive {
		t.Errorf("state = %q, want active", got.State)
	}
	if st, err := s.d.Standing(ctx(t), acc.Login); err != nil || st != (directory.Standing{Subject: acc.Subject, State: directory.StateActive}) {
		t.Errorf("Standing = %+v, %v; want %q active", st, err, acc.Subject)
	}
	if !near(got.PasswordChangedAt, before) {
		t.Errorf("PasswordChangedAt = %v, want ≈ %v", got.PasswordChangedAt, before)
	}
	if !near(got.PasswordExpiresAt, got.PasswordChangedAt.Add(MaxAge)) {
		t.Errorf("PasswordExpiresAt = %v, want ≈ changed + %v", got.PasswordExpiresAt, MaxAge)
	}
	if got.PasswordExpiresAt.After(time.Now().AddDate(1, 0, 0)) {
		t.Errorf("PasswordExpiresAt %v is more than a year away", got.PasswordExpiresAt)
	}
}

func (s *suite) authenticate(t *testing.T) {
	acc := s.active(t, s.d, "Right-pass-1")
	other := s.active(t, s.d, "Other-pass-1")
	got, err := s.d.Authenticate(ctx(t), acc.Login, "Right-pass-1")
	if err != nil || got.Subject != acc.Subject || got.Login != acc.Login || got.State != directory.StateActive {
		t.Errorf("Authenticate(right) = %+v, %v", got, err)
	}
	bad := []struct{ name, login, password string }{
		{"wrong password", acc.Login, "Wrong-pass-1"},
		{"another's password", acc.Login, "Other-pass-1"},
		{"case differs", acc.Login, "right-pass-1"},
		{"prefix", acc.Login, "Right-pass-"},
		{"empty password", acc.Login, ""},
		{"unknown login", "99999998T", "Right-pass-1"},
		{"empty login", "", "Right-pass-1"},
	}
	for _, tt := range bad {
		if got, err := s.d.Authenticate(ctx(t), tt.login, tt.password); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Errorf("%s: Authenticate = %+v, %v; want ErrInvalidCredentials", tt.name, got, err)
		}
	}
	if _, err := s.d.Authenticate(ctx(t), other.Login, "Other-pass-1"); err != nil {
		t.Errorf("other account after failures: %v", err)
	}
}

func (s *suite) createdCannotSignIn(t *testing.T) {
	_, acc := s.ensure(t, s.d)
	for _, p := range []string{"", "x", "Anything-123"} {
		if _, err := s.d.Authenticate(ctx(t), acc.Login, p); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Errorf("Authenticate(created, %q) err = %v; want ErrInvalidCredentials", p, err)
		}
	}
}

func (s *suite) history(t *testing.T) {
	_, acc := s.ensure(t, s.d)
	pw := func(i int) string { return fmt.Sprintf("History-pass-%d", i) }
	for i := 0; i <= HistoryDepth; i++ {
		if err := s.d.SetPassword(ctx(t), acc.Login, pw(i)); err != nil {
			t.Fatalf("SetPassword #%d: %v", i, err)
		}
	}
	// Current is pw(HistoryDepth); pw(0) is HistoryDepth changes back.
	for _, i := range []int{HistoryDepth, HistoryDepth - 1, 0} {
		if err := s.d.SetPassword(ctx(t), acc.Login, pw(i)); !errors.Is(err, directory.ErrPasswordInHistory) {
			t.Errorf("reuse of password #%d: err = %v; want ErrPasswordInHistory", i, err)
		}
	}
	if _, err := s.d.Authenticate(ctx(t), acc.Login, pw(HistoryDepth)); err != nil {
		t.Errorf("a refused change altered the password: %v", err)
	}
	if err := s.d.SetPassword(ctx(t), acc.Login, "History-fresh-1"); err != nil {
		t.Errorf("new password after refusals: %v", err)
	}
}

func (s *suite) expiry(t *testing.T) {
	d := s.newDir(t, ShortMaxAge)
	acc := s.active(t, d, "Expiring-pass-1")
	got, err := d.Authenticate(ctx(t), acc.Login, "Expiring-pass-1")
	if err != nil {
		t.Fatalf("Authenticate before expiry: %v", err)
	}
	if !near(got.PasswordExpiresAt, got.PasswordChangedAt.Add(ShortMaxAge)) {
		t.Errorf("PasswordExpiresAt = %v, want changed %v + %v", got.PasswordExpiresAt, got.PasswordChangedAt, ShortMaxAge)
	}
	// Times may be stored to the second: wait a whole second past expiry.
	time.Sleep(time.Until(got.PasswordExpiresAt.Add(1100 * time.Millisecond)))
	if _, err := d.Authenticate(ctx(t), acc.Login, "Expiring-pass-1"); !errors.Is(err, directory.ErrPasswordExpired) {
		t.Errorf("Authenticate after expiry: err = %v; want ErrPasswordExpired", err)
	}
	if _, err := d.Authenticate(ctx(t), acc.Login, "Wrong-pass-1"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("wrong password on an expired account: err = %v; want ErrInvalidCredentials", err)
	}
	// The "expired" flow: the service sets a new password for the owner.
	if err := d.SetPassword(ctx(t), acc.Login, "Renewed-pass-1"); err != nil {
		t.Fatalf("SetPassword after expiry: %v", err)
	}
	if _, err := d.Authenticate(ctx(t), acc.Login, "Renewed-pass-1"); err != nil {
		t.Errorf("Authenticate with the renewed password: %v", err)
	}
}
