package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ory/fosite"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/singleflight"
)

// Client is a configured relying party as fosite sees it, with Seuil's
// own settings alongside. As a fosite.OpenIDConnectClient it has one
// token_endpoint_auth_method, which fosite enforces: a client registered
// for client_secret_basic cannot send its secret in the body, and the
// reverse; a private_key_jwt client signs assertions with its JWKS keys.
type Client struct {
	*fosite.DefaultOpenIDConnectClient
	Conf ClientConfig
}

// clients resolves client IDs from configuration. Assertion JTIs are
// fositestore's (Redis), not kept here.
type clients struct {
	byID map[string]*Client
}

// bcryptCost is that of the secrets fosite hashes (Hash).
const bcryptCost = 10

// plainSecret prefixes the form a secret configured in the clear is kept
// in: its SHA-256, compared in constant time. bcrypt protects a secret
// whose stored form may leak; one written in the clear in the
// configuration has nothing more to lose in memory, and its comparison
// needs neither 60 ms of CPU at start and at the first exchange nor the
// memory of verified secrets.
const plainSecret = "$seuil-sha256$"

func plainDigest(secret []byte) []byte {
	sum := sha256.Sum256(secret)
	return append([]byte(plainSecret), sum[:]...)
}

func newClients(cfgs []ClientConfig) (*clients, error) {
	c := &clients{byID: map[string]*Client{}}
	for i, cc := range cfgs {
		jwks, err := parseJWKS(cc.JWKS)
		if err != nil {
			return nil, fmt.Errorf("clients[%d].jwks: %w", i, err)
		}
		var secret []byte
		if cc.Secret != "" {
			secret = []byte(cc.Secret)
			if !strings.HasPrefix(cc.Secret, "$2") {
				secret = plainDigest(secret)
			}
		}
		c.byID[cc.ID] = &Client{Conf: cc, DefaultOpenIDConnectClient: &fosite.DefaultOpenIDConnectClient{
			DefaultClient: &fosite.DefaultClient{
				ID: cc.ID, Secret: secret, Public: cc.Public,
				RedirectURIs:  cc.RedirectURIs,
				GrantTypes:    cc.GrantTypes,
				ResponseTypes: responseTypes(cc),
				Scopes:        cc.Scopes,
			},
			TokenEndpointAuthMethod:           cc.TokenEndpointAuthMethod,
			TokenEndpointAuthSigningAlgorithm: cc.TokenEndpointAuthSigningAlg,
			JSONWebKeys:                       jwks,
			JSONWebKeysURI:                    cc.JWKSURI,
		}}
	}
	return c, nil
}

func responseTypes(cc ClientConfig) []string {
	if cc.usesBrowser() {
		return []string{"code"}
	}
	return nil
}

// originAllowed reports whether a browser page of origin may call the
// token endpoints of some client (CORS).
func (c *clients) originAllowed(origin string) bool {
	for _, cl := range c.byID {
		if slices.Contains(cl.Conf.AllowedOrigins, origin) {
			return true
		}
	}
	return false
}

// GetClient implements fositestore.ClientGetter.
func (c *clients) GetClient(_ context.Context, id string) (fosite.Client, error) {
	cl, ok := c.byID[id]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return cl, nil
}

func (c *clients) get(id string) (*Client, bool) {
	cl, ok := c.byID[id]
	return cl, ok
}

// cachingHasher compares secrets configured in the clear by their
// SHA-256 (plainSecret), and those configured as bcrypt hashes ($2…)
// with bcrypt and a memory of secrets already verified: a relying party
// presents the same secret at every token request, and a bcrypt
// comparison per request would cap the token endpoint at a few dozen
// requests per second per core. Only digests of (hash, correct secret)
// pairs are kept, never secrets.
//
// A pair is compared once however many requests present it at once: a
// replica that starts, or forgets, under a rush of code exchanges would
// otherwise run one bcrypt per waiting request, some 60 ms of CPU each,
// and stall every request behind them. A pair in use is compared again
// in the background before it is forgotten, so that no request waits.
type cachingHasher struct {
	mu      sync.RWMutex
	ok      map[[32]byte]time.Time
	flight  singleflight.Group
	compare func(hash, data []byte) error // bcrypt's; a test counts the calls
}

func newCachingHasher() *cachingHasher {
	return &cachingHasher{ok: map[[32]byte]time.Time{}, compare: bcrypt.CompareHashAndPassword}
}

// hasherMemory is how long a verified pair is known; past half of it, a
// use starts its renewal.
const hasherMemory = 10 * time.Minute

func (h *cachingHasher) digest(hash, data []byte) [32]byte {
	d := sha256.New()
	d.Write(hash)
	d.Write([]byte{0})
	d.Write(data)
	var out [32]byte
	copy(out[:], d.Sum(nil))
	return out
}

// Compare implements fosite.Hasher.
func (h *cachingHasher) Compare(_ context.Context, hash, data []byte) error {
	if bytes.HasPrefix(hash, []byte(plainSecret)) {
		if subtle.ConstantTimeCompare(hash, plainDigest(data)) != 1 {
			return bcrypt.ErrMismatchedHashAndPassword
		}
		return nil
	}
	k := h.digest(hash, data)
	h.mu.RLock()
	at, hit := h.ok[k]
	h.mu.RUnlock()
	age := time.Since(at)
	if hit && age < hasherMemory/2 {
		return nil
	}
	// hash and data are copied: the comparison may outlive this call.
	hash, data = slices.Clone(hash), slices.Clone(data)
	done := h.flight.DoChan(string(k[:]), func() (any, error) {
		if err := h.compare(hash, data); err != nil {
			return nil, err
		}
		h.mu.Lock()
		if len(h.ok) > 1000 { // bounded: one entry per client and secret
			clear(h.ok)
		}
		h.ok[k] = time.Now()
		h.mu.Unlock()
		return nil, nil
	})
	if hit && age < hasherMemory {
		return nil // still known; renewed apart
	}
	return (<-done).Err
}

// Hash implements fosite.Hasher.
func (h *cachingHasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	return bcrypt.GenerateFromPassword(data, bcryptCost)
}
