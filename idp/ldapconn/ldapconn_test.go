package ldapconn_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/ldapconn"
)

// TestDialTLS checks every way of reaching a TLS server, with the CA,
// without it, and with checks off, then binds as the service account.
func TestDialTLS(t *testing.T) {
	t.Parallel()
	srv := slapdtest.Start(t, slapdtest.Options{TLS: true})
	tests := []struct {
		name string
		url  string
		opts ldapconn.Options
		ok   bool
	}{
		{"StartTLS with the CA", srv.URL, ldapconn.Options{StartTLS: true, CAFile: srv.CAFile}, true},
		{"ldaps with the CA", srv.LDAPSURL, ldapconn.Options{CAFile: srv.CAFile}, true},
		{"ldaps, CA not trusted", srv.LDAPSURL, ldapconn.Options{}, false},
		{"StartTLS, CA not trusted", srv.URL, ldapconn.Options{StartTLS: true}, false},
		{"ldaps, checks off", srv.LDAPSURL, ldapconn.Options{InsecureSkipVerify: true}, true},
		{"StartTLS, checks off", srv.URL, ldapconn.Options{StartTLS: true, InsecureSkipVerify: true}, true},
	}
	for _, tt := range tests {
		tt.opts.DialTimeout, tt.opts.OpTimeout = 5*time.Second, 5*time.Second
		d, err := ldapconn.New(tt.opts)
		if err != nil {
			t.Fatalf("%s: New: %v", tt.name, err)
		}
		c, err := d.DialBind(tt.url, srv.ServiceDN, srv.ServicePassword)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err == nil {
			c.Close()
		}
	}
}

func TestDialBind(t *testing.T) {
	t.Parallel()
	srv := slapdtest.Start(t, slapdtest.Options{})
	d, err := ldapconn.New(ldapconn.Options{DialTimeout: 5 * time.Second, OpTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.DialBind(srv.URL, "", "")
	if err != nil {
		t.Fatalf("anonymous: %v", err)
	}
	c.Close()
	if c, err := d.DialBind(srv.URL, srv.ServiceDN, "wrong"); err == nil {
		c.Close()
		t.Error("bind with a wrong password succeeded")
	}
}

func TestNewCAFile(t *testing.T) {
	t.Parallel()
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(t.TempDir(), "missing.pem"), empty} {
		if _, err := ldapconn.New(ldapconn.Options{CAFile: path}); err == nil {
			t.Errorf("New(CAFile: %s) accepted", path)
		}
	}
}
