package ldapdir_test

import (
	"context"
	"testing"

	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
)

// BenchmarkAuthenticate measures a login: search on the read pool, then a
// bind with the ppolicy control on the bind pool (slapd's argon2i check).
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	d, _ := open(b, slapdtest.Options{})
	if _, err := d.Ensure(ctx, rec, login); err != nil {
		b.Fatal(err)
	}
	if err := d.SetPassword(ctx, login, "Bench-pass-1"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := d.Authenticate(ctx, login, "Bench-pass-1"); err != nil {
			b.Fatal(err)
		}
	}
}
