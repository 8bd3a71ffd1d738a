// Package keys holds the provider's signing keys: PEM files loaded at start,
// one active signer and the keys being retired, all published in the JWKS so
// that tokens signed before a rotation still verify until they expire.
package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha256" // crypto.SHA256 for thumbprints
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"

	josev3 "github.com/go-jose/go-jose/v3"
	jose "github.com/go-jose/go-jose/v4"
)

// Key is one signing key with its key ID and algorithm (ES256 or RS256).
type Key struct {
	ID      string
	Alg     string
	Private crypto.Signer
	// Retiring keys are published (tokens they signed still verify) but
	// sign only when no other key has their algorithm.
	Retiring bool
}

// Set is the provider's keys: Active signs, every key is published.
type Set struct {
	Active Key
	All    []Key
}

// Public returns the public keys as a JWKS (go-jose v4).
func (s *Set) Public() jose.JSONWebKeySet {
	out := jose.JSONWebKeySet{}
	for _, k := range s.All {
		out.Keys = append(out.Keys, jose.JSONWebKey{
			Key: k.Private.Public(), KeyID: k.ID, Algorithm: k.Alg, Use: "sig",
		})
	}
	return out
}

// JWKS returns the JSON of Public.
func (s *Set) JWKS() ([]byte, error) { return json.Marshal(s.Public()) }

// Lookup returns the key with that ID, active or retiring.
func (s *Set) Lookup(kid string) (Key, bool) {
	for _, k := range s.All {
		if k.ID == kid {
			return k, true
		}
	}
	return Key{}, false
}

// FromPEM parses a PKCS#8, SEC1 (EC) or PKCS#1 (RSA) private key. The key
// ID is derived from the public key (RFC 7638 thumbprint) so it is stable
// across restarts and replicas without any extra configuration.
func FromPEM(raw []byte) (Key, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return Key{}, errors.New("no PEM block")
	}
	var priv any
	var err error
	switch block.Type {
	case "EC PRIVATE KEY":
		priv, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return Key{}, fmt.Errorf("parse %s: %w", block.Type, err)
	}
	return fromPrivate(priv)
}

func fromPrivate(priv any) (Key, error) {
	var k Key
	switch p := priv.(type) {
	case *ecdsa.PrivateKey:
		if p.Curve.Params().BitSize != 256 {
			return k, errors.New("EC keys must be P-256 (ES256)")
		}
		k = Key{Alg: "ES256", Private: p}
	case *rsa.PrivateKey:
		if p.N.BitLen() < 2048 {
			return k, errors.New("RSA keys must have at least 2048 bits")
		}
		k = Key{Alg: "RS256", Private: p}
	default:
		return k, fmt.Errorf("unsupported key type %T (want ECDSA P-256 or RSA)", priv)
	}
	jwk := jose.JSONWebKey{Key: k.Private.Public()}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return k, err
	}
	k.ID = base64.RawURLEncoding.EncodeToString(tp[:12])
	return k, nil
}

// New builds a set from PEM files: the first is the active signer, the
// others stay published while tokens they signed may still be in use.
func New(files ...string) (*Set, error) { return NewRetiring(files, nil) }

// NewRetiring is New with some of the files marked retiring.
func NewRetiring(files, retiring []string) (*Set, error) {
	if len(files) == 0 {
		return nil, errors.New("keys: no signing key configured")
	}
	s := &Set{}
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		k, err := FromPEM(raw)
		if err != nil {
			return nil, fmt.Errorf("keys: %s: %w", f, err)
		}
		if _, dup := s.Lookup(k.ID); dup {
			return nil, fmt.Errorf("keys: %s: same key listed twice", f)
		}
		k.Retiring = i > 0 && slices.Contains(retiring, f)
		if i == 0 {
			s.Active = k
		}
		s.All = append(s.All, k)
	}
	return s, nil
}

// For returns the key that signs for alg: the active key if it has that
// algorithm; else, of the keys with that algorithm, the newest that is
// not retiring (the one listed last: keys.Dir lists by name, which names
// by date make oldest first), or failing that the newest retiring one.
// An empty alg means the active key.
func (s *Set) For(alg string) (Key, bool) {
	if alg == "" || s.Active.Alg == alg {
		return s.Active, true
	}
	var best Key
	found := false
	for _, k := range s.All[1:] {
		if k.Alg == alg && (!found || !k.Retiring || best.Retiring) {
			best, found = k, true
		}
	}
	return best, found
}

// JWK returns the key in the form fosite's JWT signer takes (go-jose v3,
// which sets the "kid" header from KeyID).
func (k Key) JWK() *josev3.JSONWebKey {
	return &josev3.JSONWebKey{Key: k.Private, KeyID: k.ID, Algorithm: k.Alg, Use: "sig"}
}
