package embedded_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	"github.com/seuil-idp/seuil/idp/students"
)

var rec = students.Record{StudentID: "22012345", INE: "123456789AB", FirstName: "Zoé", LastName: "D'Arc", Email: "z@example.org", Mobile: "+33612345678"}

func TestReopenKeepsAccountsAndHashesOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "accounts.json")
	d := open(t, path, embedded.Options{Argon2: cheap})
	acc, err := d.Ensure(ctx, rec, "22012345T")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, "22012345T", "Persisted-pass-1"); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "Persisted-pass-1") || !strings.Contains(string(raw), "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("file holds the cleartext or no argon2id PHC hash:\n%s", raw)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	again := open(t, path, embedded.Options{Argon2: cheap})
	got, err := again.Authenticate(ctx, "22012345T", "Persisted-pass-1")
	if err != nil || got.Subject != acc.Subject || got.FirstName != "Zoé" {
		t.Errorf("after reopen: %+v, %v", got, err)
	}
	if err := again.SetPassword(ctx, "22012345T", "Persisted-pass-1"); !errors.Is(err, directory.ErrPasswordInHistory) {
		t.Errorf("history lost on reopen: %v", err)
	}
	if left, _ := filepath.Glob(path + ".*.tmp"); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestExpiryFollowsClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	d := open(t, filepath.Join(t.TempDir(), "a.json"), embedded.Options{
		Argon2: cheap, MaxAge: 180 * 24 * time.Hour, Now: func() time.Time { return now }})
	if _, err := d.Ensure(ctx, rec, "22012345T"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, "22012345T", "Clock-pass-1"); err != nil {
		t.Fatal(err)
	}
	acc, _ := d.FindByLogin(ctx, "22012345T")
	if want := now.Add(180 * 24 * time.Hour); !acc.PasswordExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", acc.PasswordExpiresAt, want)
	}
	now = now.Add(180*24*time.Hour - time.Second)
	if _, err := d.Authenticate(ctx, "22012345T", "Clock-pass-1"); err != nil {
		t.Errorf("one second before expiry: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := d.Authenticate(ctx, "22012345T", "Clock-pass-1"); !errors.Is(err, directory.ErrPasswordExpired) {
		t.Errorf("at expiry: %v, want ErrPasswordExpired", err)
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := embedded.Open(filepath.Join(dir, "a.json"), embedded.Options{MaxAge: 400 * 24 * time.Hour}); err == nil {
		t.Error("max age over a year accepted")
	}
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte("{not json"), 0o600)
	if _, err := embedded.Open(bad, embedded.Options{}); err == nil {
		t.Error("corrupt file accepted")
	}
}

func TestDefaultParams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := open(t, filepath.Join(t.TempDir(), "a.json"), embedded.Options{})
	if _, err := d.Ensure(ctx, rec, "22012345T"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, "22012345T", "Default-cost-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "22012345T", "Default-cost-1"); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkAuthenticate measures a login with DefaultParams.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	d, err := embedded.Open(filepath.Join(b.TempDir(), "a.json"), embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.Ensure(ctx, rec, "22012345T"); err != nil {
		b.Fatal(err)
	}
	if err := d.SetPassword(ctx, "22012345T", "Bench-pass-1"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := d.Authenticate(ctx, "22012345T", "Bench-pass-1"); err != nil {
			b.Fatal(err)
		}
	}
}
