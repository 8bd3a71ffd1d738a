package directorytest

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/seuil-idp/seuil/idp/directory"
)

func (s *suite) ensureCreates(t *testing.T) {
	rec, acc := s.ensure(t, s.d)
	sameAccount(t, acc, rec, loginOf(rec))
	if acc.State != directory.StateCreated {
		t.Errorf("state = %q, want created", acc.State)
	}
	if !acc.PasswordChangedAt.IsZero() || !acc.PasswordExpiresAt.IsZero() {
		t.Errorf("new account has password dates %v / %v", acc.PasswordChangedAt, acc.PasswordExpiresAt)
	}
	for name, find := range map[string]func() (directory.Account, error){
		"FindByStudentID": func() (directory.Account, error) { return s.d.FindByStudentID(ctx(t), rec.StudentID) },
		"FindByLogin":     func() (directory.Account, error) { return s.d.FindByLogin(ctx(t), acc.Login) },
	} {
		got, err := find()
		if err != nil || got != acc {
			t.Errorf("%s = %+v, %v; want %+v", name, got, err, acc)
		}
	}
}

func (s *suite) ensureIdempotent(t *testing.T) {
	rec, first := s.ensure(t, s.d)
	if err := s.d.SetPassword(ctx(t), first.Login, "Idem-potent-1"); err != nil {
		t.Fatal(err)
	}
	again, err := s.d.Ensure(ctx(t), rec, loginOf(rec))
	if err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	if again.Subject != first.Subject || again.State != directory.StateActive {
		t.Errorf("second Ensure = %+v; want the same, still active account", again)
	}
	if _, err := s.d.Authenticate(ctx(t), first.Login, "Idem-potent-1"); err != nil {
		t.Errorf("password lost by a second Ensure: %v", err)
	}
}

func (s *suite) ensureLoginTaken(t *testing.T) {
	_, a := s.ensure(t, s.d)
	rec := record()
	if got, err := s.d.Ensure(ctx(t), rec, a.Login); err == nil {
		t.Errorf("Ensure with another student's login = %+v; want an error", got)
	}
	if _, err := s.d.FindByStudentID(ctx(t), rec.StudentID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("refused Ensure left an account: %v", err)
	}
}

func (s *suite) ensureConcurrent(t *testing.T) {
	rec := record()
	const n = 4
	accs := make([]directory.Account, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			accs[i], errs[i] = s.d.Ensure(ctx(t), rec, loginOf(rec))
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Ensure #%d: %v", i, errs[i])
		}
		if accs[i].Subject != accs[0].Subject {
			t.Errorf("concurrent Ensure made two accounts: %q and %q", accs[0].Subject, accs[i].Subject)
		}
	}
}

func (s *suite) notFound(t *testing.T) {
	if _, err := s.d.FindByStudentID(ctx(t), "99999999"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("FindByStudentID(unknown) err = %v, want ErrNotFound", err)
	}
	if _, err := s.d.FindByLogin(ctx(t), "99999999T"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("FindByLogin(unknown) err = %v, want ErrNotFound", err)
	}
	if _, err := s.d.FindByLogin(ctx(t), ""); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("FindByLogin(\"\") err = %v, want ErrNotFound", err)
	}
	for _, login := range []string{"99999999T", ""} {
		if _, err := s.d.Standing(ctx(t), login); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("Standing(%q) err = %v, want ErrNotFound", login, err)
		}
		if err := s.d.SetPassword(ctx(t), login, "Whatever-123"); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("SetPassword(%q) err = %v, want ErrNotFound", login, err)
		}
	}
}

func (s *suite) subject(t *testing.T) {
	_, a := s.ensure(t, s.d)
	_, b := s.ensure(t, s.d)
	for _, acc := range []directory.Account{a, b} {
		if acc.Subject == "" || strings.Contains(acc.Subject, acc.StudentID) || strings.Contains(acc.Subject, acc.Login) {
			t.Errorf("subject %q is empty or reveals the student number or login", acc.Subject)
		}
	}
	if a.Subject == b.Subject {
		t.Errorf("two accounts share subject %q", a.Subject)
	}
	if err := s.d.SetPassword(ctx(t), a.Login, "Subject-stable-1"); err != nil {
		t.Fatal(err)
	}
	got, err := s.d.Authenticate(ctx(t), a.Login, "Subject-stable-1")
	if err != nil || got.Subject != a.Subject {
		t.Errorf("subject changed after activation: %q → %q (%v)", a.Subject, got.Subject, err)
	}
}

func (s *suite) escaping(t *testing.T) {
	logins := []string{
		`#o'brien+jean,luc"<x>;\=`, // every RFC 4514 special, leading '#'
		"dupont-lefèvre*(x)",       // filter specials and non-ASCII
	}
	for _, login := range logins {
		rec := record()
		rec.FirstName, rec.LastName = "Élodie-Noémie", "O'Brien Núñez"
		acc, err := s.d.Ensure(ctx(t), rec, login)
		if err != nil {
			t.Fatalf("Ensure(login %q): %v", login, err)
		}
		sameAccount(t, acc, rec, login)
		got, err := s.d.FindByLogin(ctx(t), login)
		if err != nil || got.Subject != acc.Subject {
			t.Errorf("FindByLogin(%q) = %+v, %v", login, got, err)
		}
		if err := s.d.SetPassword(ctx(t), login, "Escaped-pass-1"); err != nil {
			t.Fatalf("SetPassword(%q): %v", login, err)
		}
		if _, err := s.d.Authenticate(ctx(t), login, "Escaped-pass-1"); err != nil {
			t.Errorf("Authenticate(%q): %v", login, err)
		}
	}
}

func (s *suite) injection(t *testing.T) {
	acc := s.active(t, s.d, "Injection-1")
	for _, login := range []string{"*", "*)(uid=*", "*)(|(uid=*))", `\2a`, acc.Login + ")(uid=*", acc.Login[:3] + "*"} {
		if got, err := s.d.FindByLogin(ctx(t), login); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("FindByLogin(%q) = %+v, %v; want ErrNotFound", login, got, err)
		}
		if _, err := s.d.Authenticate(ctx(t), login, "Injection-1"); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Errorf("Authenticate(%q) err = %v; want ErrInvalidCredentials", login, err)
		}
	}
	if _, err := s.d.FindByStudentID(ctx(t), "*"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("FindByStudentID(*) err = %v; want ErrNotFound", err)
	}
}
