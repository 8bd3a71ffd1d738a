package ldapdir_test

import (
	"context"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/directory/directorytest"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
)

// open starts a slapd with opts and connects a Dir to it as the service.
func open(t testing.TB, opts slapdtest.Options) (*ldapdir.Dir, *slapdtest.Server) {
	t.Helper()
	srv := slapdtest.Start(t, opts)
	d, err := ldapdir.New(context.Background(), ldapdir.Config{
		WriteURL: srv.URL, BindDN: srv.ServiceDN, BindPassword: srv.ServicePassword,
		BaseDN: srv.PeopleDN, DefaultPolicyDN: srv.PolicyDN, Domain: "univ-tours.fr",
		OpTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("ldapdir.New: %v", err)
	}
	t.Cleanup(d.Close)
	return d, srv
}

func TestConformance(t *testing.T) {
	t.Parallel()
	directorytest.Run(t, func(t *testing.T, maxAge time.Duration) directory.Directory {
		d, _ := open(t, slapdtest.Options{MaxAge: maxAge, InHistory: directorytest.HistoryDepth})
		return d
	})
}
