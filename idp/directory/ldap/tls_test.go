package ldapdir_test

import (
	"context"
	"testing"

	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
)

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := slapdtest.Start(t, slapdtest.Options{TLS: true})
	base := ldapdir.Config{BindDN: srv.ServiceDN, BindPassword: srv.ServicePassword, BaseDN: srv.PeopleDN}
	tests := []struct {
		name     string
		url      string
		startTLS bool
		caFile   string
		ok       bool
	}{
		{"StartTLS with the CA", srv.URL, true, srv.CAFile, true},
		{"ldaps with the CA", srv.LDAPSURL, false, srv.CAFile, true},
		{"ldaps, CA not trusted", srv.LDAPSURL, false, "", false},
		{"StartTLS, CA not trusted", srv.URL, true, "", false},
	}
	insecure := base
	insecure.WriteURL, insecure.InsecureSkipVerify = srv.LDAPSURL, true
	if d, err := ldapdir.New(context.Background(), insecure); err != nil {
		t.Errorf("ldaps with insecure_skip_verify on loopback: %v", err)
	} else {
		d.Close()
	}
	for _, tt := range tests {
		cfg := base
		cfg.WriteURL, cfg.StartTLS, cfg.CAFile = tt.url, tt.startTLS, tt.caFile
		d, err := ldapdir.New(context.Background(), cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil {
			continue
		}
		if _, err := d.Ensure(context.Background(), rec, login); err != nil {
			t.Errorf("%s: Ensure: %v", tt.name, err)
		}
		d.Close()
	}
}

func TestAttributesSet(t *testing.T) {
	t.Parallel()
	var a ldapdir.Attributes
	if err := a.Set("mobile", "telephoneNumber"); err != nil || a.Mobile != "telephoneNumber" {
		t.Errorf("Set(mobile) = %v, %+v", err, a)
	}
	for _, bad := range [][2]string{{"phone", "mobile"}, {"email", ""}} {
		if err := a.Set(bad[0], bad[1]); err == nil {
			t.Errorf("Set(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
