package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Generate writes a new private key (alg "ES256" or "RS256") as PKCS#8 PEM
// to path, readable by its owner only.
func Generate(path, alg string) error {
	var priv any
	var err error
	switch alg {
	case "ES256", "":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return fmt.Errorf("keys: unsupported alg %q", alg)
	}
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	raw := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

// Dir loads every *.pem in dir. The active signer is the file named in
// active (relative to dir), or, if empty, the last file in name order:
// name keys by date ("2026-11-signing.pem") and the newest signs while the
// older ones stay published. With generate, an empty or missing dir gets
// fresh RS256 and ES256 keys (the demo, tests); the RS256 key, last in
// name order, is the active one.
func Dir(dir, active string, generate bool) (*Set, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 && generate {
		for _, alg := range []string{"ES256", "RS256"} {
			f := filepath.Join(dir, "signing-"+strings.ToLower(alg)+".pem")
			if err := Generate(f, alg); err != nil {
				return nil, fmt.Errorf("keys: generate: %w", err)
			}
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("keys: no *.pem in %s: %w", dir, fs.ErrNotExist)
	}
	sort.Strings(files)
	first := len(files) - 1
	if active != "" {
		first = -1
		for i, f := range files {
			if filepath.Base(f) == active {
				first = i
			}
		}
		if first < 0 {
			return nil, errors.New("keys: active key " + active + " is not in " + dir)
		}
	}
	ordered := append([]string{files[first]}, append(append([]string{}, files[:first]...), files[first+1:]...)...)
	return New(ordered...)
}
