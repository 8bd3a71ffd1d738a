package ldapdir_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
)

// connect opens another Dir on srv, with cfg tuned by tune.
func connect(t *testing.T, srv *slapdtest.Server, tune func(*ldapdir.Config)) *ldapdir.Dir {
	t.Helper()
	cfg := ldapdir.Config{WriteURL: srv.URL, BindDN: srv.ServiceDN, BindPassword: srv.ServicePassword,
		BaseDN: srv.PeopleDN, DefaultPolicyDN: srv.PolicyDN, OpTimeout: 5 * time.Second}
	tune(&cfg)
	d, err := ldapdir.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("ldapdir.New: %v", err)
	}
	t.Cleanup(d.Close)
	return d
}

// withPasswords makes the account and sets passwords in turn.
func withPasswords(t *testing.T, d *ldapdir.Dir, passwords ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	for _, p := range passwords {
		if err := d.SetPassword(ctx, login, p); err != nil {
			t.Fatalf("SetPassword(%s): %v", p, err)
		}
	}
}

const bySeuil = "checked by Seuil"

// TestHistoryWithManageAccess: a service account with manage access is a
// password administrator, and ppolicy does not enforce history for it
// (the control with HistoryOff reuses a password). Seuil's own check
// still refuses the current and an older password.
func TestHistoryWithManageAccess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, srv := open(t, slapdtest.Options{ManageService: true})
	withPasswords(t, d, "Old-pass-1", "Current-pass-1")
	for _, p := range []string{"Old-pass-1", "Current-pass-1"} {
		err := d.SetPassword(ctx, login, p)
		if !errors.Is(err, directory.ErrPasswordInHistory) || !strings.Contains(err.Error(), bySeuil) {
			t.Errorf("reuse of %s: %v, want ErrPasswordInHistory from Seuil", p, err)
		}
	}
	if _, err := d.Authenticate(ctx, login, "Current-pass-1"); err != nil {
		t.Errorf("a refused password was written: %v", err)
	}
	off := connect(t, srv, func(c *ldapdir.Config) { c.HistoryCheck = ldapdir.HistoryOff })
	if err := off.SetPassword(ctx, login, "Old-pass-1"); err != nil {
		t.Errorf("control: with manage and no Seuil check, ppolicy should let the reuse through: %v", err)
	}
}

// TestHistoryWithWriteAccess: with write access both checks refuse a
// reused password; Seuil's answers first, ppolicy's is seen with the
// check off. A new password passes both.
func TestHistoryWithWriteAccess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, srv := open(t, slapdtest.Options{})
	withPasswords(t, d, "Old-pass-1", "Current-pass-1")
	off := connect(t, srv, func(c *ldapdir.Config) { c.HistoryCheck = ldapdir.HistoryOff })
	for _, p := range []string{"Old-pass-1", "Current-pass-1"} {
		err := d.SetPassword(ctx, login, p)
		if !errors.Is(err, directory.ErrPasswordInHistory) || !strings.Contains(err.Error(), bySeuil) {
			t.Errorf("Seuil check, reuse of %s: %v", p, err)
		}
		err = off.SetPassword(ctx, login, p)
		if !errors.Is(err, directory.ErrPasswordInHistory) || strings.Contains(err.Error(), bySeuil) {
			t.Errorf("ppolicy alone, reuse of %s: %v", p, err)
		}
	}
	if err := d.SetPassword(ctx, login, "Brand-new-pass-1"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if err := off.SetPassword(ctx, login, "Brand-new-pass-2"); err != nil {
		t.Errorf("new password, check off: %v", err)
	}
}

// TestHistoryRetryStillActivates: a crash between setting the password
// and activating leaves the password current; the retry, refused by
// Seuil's check as a reuse, must still finish the activation.
func TestHistoryRetryStillActivates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, srv := open(t, slapdtest.Options{})
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	dn := "uid=" + login + "," + srv.PeopleDN
	admin := srv.Admin(t)
	if _, err := admin.PasswordModify(&ldap.PasswordModifyRequest{UserIdentity: dn, NewPassword: "Crash-pass-1"}); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, login, "Crash-pass-1"); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if acc, _ := d.FindByLogin(ctx, login); acc.State != directory.StateActive {
		t.Errorf("state after retry = %q, want active", acc.State)
	}
}

// TestWarnsWithoutHistory: a default policy with no pwdInHistory keeps no
// history at all; New says so.
func TestWarnsWithoutHistory(t *testing.T) {
	t.Parallel()
	srv := slapdtest.Start(t, slapdtest.Options{})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	connect(t, srv, func(c *ldapdir.Config) { c.Logger = logger })
	if strings.Contains(logs.String(), "pwdInHistory") {
		t.Fatalf("warning with pwdInHistory 5: %s", logs.String())
	}
	mod := ldap.NewModifyRequest(srv.PolicyDN, nil)
	mod.Delete("pwdInHistory", nil)
	if err := srv.Admin(t).Modify(mod); err != nil {
		t.Fatal(err)
	}
	connect(t, srv, func(c *ldapdir.Config) { c.Logger = logger })
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "pwdInHistory") {
		t.Errorf("no warning for a policy without history: %q", logs.String())
	}
}

func TestHistoryCheckValidated(t *testing.T) {
	t.Parallel()
	_, err := ldapdir.New(context.Background(), ldapdir.Config{WriteURL: "ldap://127.0.0.1:1",
		BindDN: "cn=x", BindPassword: "x", BaseDN: "dc=x", HistoryCheck: "always"})
	if err == nil || !strings.Contains(err.Error(), "history_check") {
		t.Errorf("history_check \"always\": %v", err)
	}
}

// TestHistoryLegacyHashes: a directory migrated from elsewhere holds
// {SSHA} and {CRYPT} values. Seuil verifies the first and, under manage
// access where ppolicy would not, refuses its reuse; the second cannot be
// verified here: it is skipped and counted in a debug log.
func TestHistoryLegacyHashes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := slapdtest.Start(t, slapdtest.Options{ManageService: true})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := connect(t, srv, func(c *ldapdir.Config) { c.Logger = logger })
	// Active first: a "created" account whose current password is the
	// candidate counts as an interrupted activation, not a reuse.
	withPasswords(t, d, "First-pass-1")
	admin := srv.Admin(t)
	// Both made by slappasswd, of "secret"; the {SSHA} one goes from
	// userPassword to pwdHistory when the {CRYPT} one replaces it.
	for _, v := range []string{"{SSHA}Y2ch4rdLZyOylQIGYZ8CJOIBSrIeZGJ7", "{CRYPT}kihiwPcM/O5nU"} {
		mod := ldap.NewModifyRequest("uid="+login+","+srv.PeopleDN, nil)
		mod.Replace("userPassword", []string{v})
		if err := admin.Modify(mod); err != nil {
			t.Fatal(err)
		}
		if err := d.SetPassword(ctx, login, "secret"); !errors.Is(err, directory.ErrPasswordInHistory) {
			t.Errorf("reuse of the {SSHA} password, current %.6s: %v", v, err)
		}
	}
	if err := d.SetPassword(ctx, login, "Another-pass-1"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if !strings.Contains(logs.String(), "skipped=1") {
		t.Errorf("{CRYPT} value not counted as skipped: %q", logs.String())
	}
}
