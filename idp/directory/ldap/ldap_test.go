package ldapdir_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/directory/directorytest"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/students"
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

// The observer hears each operation with its pool and outcome, a wrong
// password being the server's refusal, and the pools say what they hold.
func TestObserveAndPoolStats(t *testing.T) {
	t.Parallel()
	d, _ := open(t, slapdtest.Options{})
	ctx := context.Background()
	if _, err := d.Ensure(ctx, students.Record{StudentID: "22012345", FirstName: "Camille", LastName: "Martin"}, "22012345T"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, "22012345T", "Velo-Rouge-Tours-8"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	heard := map[string]int{}
	d.Observe(func(pool string, took time.Duration, outcome string) {
		mu.Lock()
		defer mu.Unlock()
		if took <= 0 {
			t.Errorf("%s %s took %v", pool, outcome, took)
		}
		heard[pool+" "+outcome]++
	})
	if _, err := d.FindByLogin(ctx, "22012345T"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "22012345T", "not-the-Password-1"); err == nil {
		t.Fatal("wrong password accepted")
	}
	mu.Lock()
	if heard["read ok"] < 1 || heard["bind refused"] != 1 {
		t.Errorf("heard %v: want a read ok and one bind refused", heard)
	}
	mu.Unlock()
	byPool := map[string]ldapdir.PoolStats{}
	for _, p := range d.PoolStats() {
		byPool[p.Pool] = p
	}
	if r := byPool["read"]; r.InUse != 0 || r.Idle < 1 || r.Size != 4 {
		t.Errorf("read pool after its operations: %+v (want none in use, some idle, size 4)", r)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.FindByLogin(gone, "22012345T"); err == nil {
		t.Fatal("a search with its context cancelled succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if heard["read failed"] != 1 {
		t.Errorf("heard %v: want one read failed (no answer)", heard)
	}
}
