package ldapdir_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
)

// TestSetPasswordCompletesAfterCrash: the password was set but the process
// died before the state change; the owner's retry with the same password
// must finish the activation, not be refused as "in history".
func TestSetPasswordCompletesAfterCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, srv := open(t, slapdtest.Options{})
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	svc, err := ldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := svc.Bind(srv.ServiceDN, srv.ServicePassword); err != nil {
		t.Fatal(err)
	}
	dn := "uid=" + login + "," + srv.PeopleDN
	if _, err := svc.PasswordModify(&ldap.PasswordModifyRequest{UserIdentity: dn, NewPassword: "Crash-pass-1"}); err != nil {
		t.Fatal(err)
	}
	if acc, _ := d.FindByLogin(ctx, login); acc.State != directory.StateCreated {
		t.Fatalf("set-up: state %q", acc.State)
	}
	if err := d.SetPassword(ctx, login, "Other-pass-1x"); err != nil {
		t.Fatalf("a different password after the crash: %v", err)
	}
	// Same scenario, retried with the very password the crash left set.
	if _, err := svc.PasswordModify(&ldap.PasswordModifyRequest{UserIdentity: dn, NewPassword: "Crash-pass-2"}); err != nil {
		t.Fatal(err)
	}
	mod := ldap.NewModifyRequest(dn, nil)
	mod.Replace("supannRessourceEtatDate", []string{"{COMPTE}I:SupannCree:20260901:"})
	if err := svc.Modify(mod); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, login, "Crash-pass-2"); err != nil {
		t.Fatalf("retry with the password already set: %v", err)
	}
	if acc, _ := d.FindByLogin(ctx, login); acc.State != directory.StateActive {
		t.Errorf("state after retry = %q, want active", acc.State)
	}
	if err := d.SetPassword(ctx, login, "Crash-pass-2"); !errors.Is(err, directory.ErrPasswordInHistory) {
		t.Errorf("same password on an active account: %v, want ErrPasswordInHistory", err)
	}
}

func TestNewChecksServiceAccount(t *testing.T) {
	t.Parallel()
	srv := slapdtest.Start(t, slapdtest.Options{})
	_, err := ldapdir.New(context.Background(), ldapdir.Config{WriteURL: srv.URL, BindDN: srv.ServiceDN,
		BindPassword: "wrong", BaseDN: srv.PeopleDN})
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Errorf("wrong service password: %v", err)
	}
	if _, err := ldapdir.New(context.Background(), ldapdir.Config{WriteURL: srv.URL}); err == nil {
		t.Error("config without service account accepted")
	}
}

// deadURL is a loopback port nobody listens on.
func deadURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprintf("ldap://%s", l.Addr())
}

func TestReadFailover(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := slapdtest.Start(t, slapdtest.Options{})
	d, err := ldapdir.New(ctx, ldapdir.Config{WriteURL: srv.URL, ReadURLs: []string{deadURL(t), srv.URL},
		BindDN: srv.ServiceDN, BindPassword: srv.ServicePassword, BaseDN: srv.PeopleDN, PoolSize: 1,
		DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	for i := range 4 { // the pool rotates its starting server
		if _, err := d.FindByLogin(ctx, login); err != nil {
			t.Fatalf("read #%d with a replica down: %v", i, err)
		}
	}
}

func TestContextHonoured(t *testing.T) {
	t.Parallel()
	d, _ := open(t, slapdtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.FindByLogin(ctx, login); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if _, err := d.FindByLogin(context.Background(), login); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("after a cancelled call the pool must still work: %v", err)
	}
}

// TestReconnectAfterRestart: pooled connections die with the server; the
// next calls must reconnect instead of failing.
func TestReconnectAfterRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, srv := open(t, slapdtest.Options{})
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, login, "Restart-pass-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, login, "Restart-pass-1"); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	if err := d.Ping(ctx); err != nil {
		t.Errorf("Ping after restart: %v", err)
	}
	if _, err := d.FindByLogin(ctx, login); err != nil {
		t.Errorf("FindByLogin after restart: %v", err)
	}
	if _, err := d.Authenticate(ctx, login, "Restart-pass-1"); err != nil {
		t.Errorf("Authenticate after restart: %v", err)
	}
	if err := d.SetPassword(ctx, login, "Restart-pass-2"); err != nil {
		t.Errorf("SetPassword after restart: %v", err)
	}
}
