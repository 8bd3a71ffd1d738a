package keys_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/seuil-idp/seuil/idp/provider/keys"
)

func TestDirOrderAndJWKS(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []struct{ name, alg string }{{"2025-01.pem", "RS256"}, {"2026-01.pem", "ES256"}} {
		if err := keys.Generate(filepath.Join(dir, f.name), f.alg); err != nil {
			t.Fatal(err)
		}
	}
	s, err := keys.Dir(dir, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Active.Alg != "ES256" || len(s.All) != 2 {
		t.Fatalf("active %s, %d keys", s.Active.Alg, len(s.All))
	}
	if k, ok := s.For("RS256"); !ok || k.Alg != "RS256" {
		t.Fatal("no RS256 signer")
	}
	s2, err := keys.Dir(dir, "2025-01.pem", false)
	if err != nil || s2.Active.Alg != "RS256" {
		t.Fatalf("explicit active: %v", err)
	}
	raw, _ := s.JWKS()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	_ = json.Unmarshal(raw, &set)
	if len(set.Keys) != 2 {
		t.Fatalf("jwks: %s", raw)
	}
	for _, k := range set.Keys {
		if k["d"] != nil || k["kid"] == "" || k["use"] != "sig" {
			t.Errorf("jwks key %v", k)
		}
	}
	// Key IDs are stable across loads (thumbprints).
	again, _ := keys.Dir(dir, "", false)
	if again.Active.ID != s.Active.ID {
		t.Error("key ID changed on reload")
	}
}

func TestGenerateWhenEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if _, err := keys.Dir(dir, "", false); err == nil {
		t.Fatal("empty dir accepted without generate")
	}
	s, err := keys.Dir(dir, "", true)
	if err != nil {
		t.Fatal(err)
	}
	// RS256 signs by default (OIDC Core); ES256 is there for clients that ask.
	if _, ok := s.For("ES256"); !ok || s.Active.Alg != "RS256" {
		t.Fatalf("active %s, ES256 present %v", s.Active.Alg, ok)
	}
	for _, f := range []string{"signing-es256.pem", "signing-rs256.pem"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("generated key file %s: %v %v", f, err, fi)
		}
	}
}

func TestFromPEMRefuses(t *testing.T) {
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(p384)
	tests := map[string][]byte{
		"garbage": []byte("not a key"),
		"rsa1024": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}),
		"p384":    pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
		"bad der": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
	}
	for name, raw := range tests {
		if _, err := keys.FromPEM(raw); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// For picks, for an algorithm other than the active key's, the newest key
// of that algorithm that is not retiring.
func TestForPicksNewestNonRetiring(t *testing.T) {
	dir := t.TempDir()
	files := []string{}
	for _, f := range []struct{ name, alg string }{{"1-es.pem", "ES256"}, {"2-rs.pem", "RS256"}, {"3-rs.pem", "RS256"}, {"4-rs.pem", "RS256"}} {
		p := filepath.Join(dir, f.name)
		if err := keys.Generate(p, f.alg); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	ids := map[string]string{}
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		k, _ := keys.FromPEM(raw)
		ids[filepath.Base(f)] = k.ID
	}
	for _, tc := range []struct {
		retiring []string
		want     string
	}{
		{nil, "4-rs.pem"},
		{[]string{files[3]}, "3-rs.pem"},
		{[]string{files[1], files[2], files[3]}, "4-rs.pem"}, // all retiring: the newest
	} {
		s, err := keys.NewRetiring(files, tc.retiring)
		if err != nil {
			t.Fatal(err)
		}
		if k, ok := s.For("RS256"); !ok || k.ID != ids[tc.want] {
			t.Errorf("retiring %v: signer %s, want %s", tc.retiring, k.ID, ids[tc.want])
		}
		if k, _ := s.For("ES256"); k.ID != s.Active.ID {
			t.Error("ES256 is not the active key")
		}
	}
}
