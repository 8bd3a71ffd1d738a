// Package credentialstest is the conformance suite of credentials
// backends: every backend (embedded directory, LDAP) runs Run against a
// real store.
package credentialstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/seuil-idp/seuil/idp/credentials"
)

// Harness is one fresh store for a subtest.
type Harness struct {
	// Backend is the store under test.
	Backend credentials.Backend
	// Logins are two existing accounts holding no credential.
	Logins [2]string
	// Reopen returns a new backend over the same durable store (a
	// restarted replica), or nil when the store has no such notion.
	Reopen func(t *testing.T) credentials.Backend
	// Raw returns everything the store holds about login, as an
	// attacker with read access would see it (an LDIF export, the file).
	Raw func(t *testing.T, login string) []byte
}

// Run runs the suite; newHarness is called once per subtest.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	ctx := context.Background()
	key := bytes.Repeat([]byte{7}, credentials.KeySize)
	vault := func(t *testing.T, b credentials.Backend) *credentials.Vault {
		v, err := credentials.NewVault(b, key)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("none", func(t *testing.T) {
		h := newHarness(t)
		got, err := vault(t, h.Backend).List(ctx, h.Logins[0])
		if err != nil || len(got) != 0 {
			t.Fatalf("List = %v, %v; want none", got, err)
		}
	})

	t.Run("unknown account", func(t *testing.T) {
		h := newHarness(t)
		if _, err := h.Backend.Blobs(ctx, "nobody-here"); !errors.Is(err, credentials.ErrNoAccount) {
			t.Errorf("Blobs(unknown) = %v, want ErrNoAccount", err)
		}
		if err := h.Backend.PutBlob(ctx, "nobody-here", "x", []byte("y")); !errors.Is(err, credentials.ErrNoAccount) {
			t.Errorf("PutBlob(unknown) = %v, want ErrNoAccount", err)
		}
	})

	t.Run("round trip survives a restart", func(t *testing.T) {
		h := newHarness(t)
		v := vault(t, h.Backend)
		secret := []byte("JBSWY3DPEHPK3PXP-secret-bytes")
		c, err := v.Put(ctx, h.Logins[0], credentials.Credential{Kind: credentials.KindTOTP, Secret: secret, Counter: 42})
		if err != nil {
			t.Fatal(err)
		}
		b := h.Backend
		if h.Reopen != nil {
			b = h.Reopen(t)
		}
		got, err := vault(t, b).List(ctx, h.Logins[0])
		if err != nil || len(got) != 1 {
			t.Fatalf("List = %v, %v", got, err)
		}
		if got[0].ID != c.ID || got[0].Kind != credentials.KindTOTP || got[0].Counter != 42 || !bytes.Equal(got[0].Secret, secret) {
			t.Errorf("got %+v, want %+v", got[0], c)
		}
		if other, _ := vault(t, b).List(ctx, h.Logins[1]); len(other) != 0 {
			t.Errorf("the other account holds %v", other)
		}
		if h.Raw != nil && bytes.Contains(h.Raw(t, h.Logins[0]), secret) {
			t.Error("the store holds the secret in clear")
		}
	})

	t.Run("replace and delete", func(t *testing.T) {
		h := newHarness(t)
		v := vault(t, h.Backend)
		login := h.Logins[0]
		a, _ := v.Put(ctx, login, credentials.Credential{Kind: credentials.KindRecovery, Secret: []byte("a")})
		b, err := v.Put(ctx, login, credentials.Credential{Kind: credentials.KindRecovery, Secret: []byte("b")})
		if err != nil {
			t.Fatal(err)
		}
		a.Counter = 7
		if _, err := v.Put(ctx, login, a); err != nil {
			t.Fatal(err)
		}
		got, _ := v.List(ctx, login)
		if len(got) != 2 {
			t.Fatalf("after replace: %d credentials, want 2", len(got))
		}
		for _, c := range got {
			if c.ID == a.ID && c.Counter != 7 {
				t.Errorf("replaced credential has counter %d", c.Counter)
			}
		}
		if err := v.Delete(ctx, login, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := v.Delete(ctx, login, b.ID); err != nil {
			t.Errorf("deleting twice: %v", err)
		}
		got, _ = v.List(ctx, login)
		if len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("after delete: %+v", got)
		}
		if err := v.DeleteAll(ctx, login); err != nil {
			t.Fatal(err)
		}
		if got, _ = v.List(ctx, login); len(got) != 0 {
			t.Errorf("after DeleteAll: %+v", got)
		}
	})

	t.Run("concurrent adds are all kept", func(t *testing.T) {
		h := newHarness(t)
		v := vault(t, h.Backend)
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := v.Put(ctx, h.Logins[0], credentials.Credential{Kind: credentials.KindRecovery, Secret: fmt.Appendf(nil, "%d", i)})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := v.List(ctx, h.Logins[0]); len(got) != 10 {
			t.Errorf("%d credentials kept, want 10", len(got))
		}
	})

	t.Run("a blob moved to another account does not open", func(t *testing.T) {
		h := newHarness(t)
		v := vault(t, h.Backend)
		c, _ := v.Put(ctx, h.Logins[0], credentials.Credential{Kind: credentials.KindTOTP, Secret: []byte("s")})
		blobs, err := h.Backend.Blobs(ctx, h.Logins[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Backend.PutBlob(ctx, h.Logins[1], c.ID, blobs[c.ID]); err != nil {
			t.Fatal(err)
		}
		if _, err := v.List(ctx, h.Logins[1]); !errors.Is(err, credentials.ErrSealed) {
			t.Errorf("List with a moved blob = %v, want ErrSealed", err)
		}
		other, _ := credentials.NewVault(h.Backend, bytes.Repeat([]byte{8}, credentials.KeySize))
		if _, err := other.List(ctx, h.Logins[0]); !errors.Is(err, credentials.ErrSealed) {
			t.Errorf("List with another key = %v, want ErrSealed", err)
		}
	})
}
