package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
)

// base is a minimal valid configuration; doc puts a case's sections first
// (so that its line numbers are those of the case text) and completes it
// with the base sections the case does not give.
const base = `server:
  public_url: https://idp.example.org
redis:
  addrs: [127.0.0.1:6379]
directory:
  embedded: {path: accounts.json}
students:
  csv: {path: students.csv}
mail:
  outbox: true
sms:
  outbox: true
oidc:
  keys: [{file: key.pem}, {file: key-rsa.pem}]
  clients:
    - id: pjweb
      secret: s3cret
      redirect_uris: [https://pjweb.example.org/cb]
`

func doc(text string) string {
	given := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && k != "" && !strings.HasPrefix(k, " ") && !strings.HasPrefix(k, "#") {
			given[k] = true
		}
	}
	var out strings.Builder
	out.WriteString(text)
	skip := false
	for _, line := range strings.Split(base, "\n") {
		if line != "" && !strings.HasPrefix(line, " ") {
			k, _, _ := strings.Cut(line, ":")
			skip = given[k]
		}
		if !skip && line != "" {
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}

// testKey returns a PEM private key, RSA or ECDSA P-256, made once.
func testKey(rsaKey bool) []byte {
	if rsaKey {
		return rsaPEM()
	}
	return ecPEM()
}

var (
	ecPEM = sync.OnceValue(func() []byte {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	})
	rsaPEM = sync.OnceValue(func() []byte {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	})
)

// fakeWorld is an environment and a set of files for parallel tests; any
// /etc/seuil/*.pem it does not list is a test key (RSA when its name says
// rsa).
type fakeWorld struct {
	env   map[string]string
	files map[string]string
}

// hmacSecret is oidc.secret in every fake world that does not set
// SEUIL_OIDC_SECRET itself (set it to "" to test its absence).
const hmacSecret = "0123456789abcdef0123456789abcdef"

func (w fakeWorld) loader() loader {
	return loader{
		getenv: func(k string) string {
			if v, ok := w.env[k]; ok || k != "SEUIL_OIDC_SECRET" {
				return v
			}
			return hmacSecret
		},
		readFile: func(p string) ([]byte, error) {
			if v, ok := w.files[p]; ok {
				return []byte(v), nil
			}
			if strings.HasPrefix(p, "/etc/seuil/") && strings.HasSuffix(p, ".pem") {
				return testKey(strings.Contains(p, "rsa")), nil
			}
			return nil, &os.PathError{Op: "open", Path: p, Err: os.ErrNotExist}
		},
	}
}

func parseWith(t *testing.T, w fakeWorld, text string) (*Config, []string) {
	t.Helper()
	cfg, err := w.loader().parse("seuil.yaml", "/etc/seuil", []byte(text))
	if err == nil {
		return cfg, nil
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %T is not Problems: %v", err, err)
	}
	return nil, strings.Split(ps.Error(), "\n")
}
