// Package fositestore keeps every fosite artefact (authorization codes,
// PKCE challenges, OpenID Connect requests, access and refresh tokens, their
// revocation, client assertion JTIs) in Redis through idp/state, each with
// a TTL. Keys hold token signatures, never tokens. Refresh tokens of one
// grant form a family indexed by request ID, so that reuse of a rotated
// token revokes the whole family.
package fositestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/handler/pkce"

	"github.com/seuil-idp/seuil/idp/state"
)

// Lifespans bound how long each artefact is kept.
type Lifespans struct {
	Code, Access, Refresh time.Duration
}

// Store implements fosite's storage interfaces on a state.Store.
type Store struct {
	st         *state.Store
	clients    ClientGetter
	newSession func() fosite.Session
	life       Lifespans
	codeSig    func(ctx context.Context, code string) string
}

var (
	_ oauth2.CoreStorage                 = (*Store)(nil)
	_ oauth2.TokenRevocationStorage      = (*Store)(nil)
	_ openid.OpenIDConnectRequestStorage = (*Store)(nil)
	_ pkce.PKCERequestStorage            = (*Store)(nil)
	_ fosite.ClientManager               = (*Store)(nil)
)

// ClientGetter resolves a client ID (the provider's configured clients).
type ClientGetter interface {
	GetClient(ctx context.Context, id string) (fosite.Client, error)
}

// New returns a store. clients resolves client IDs (from configuration);
// newSession makes an empty session of the provider's session type;
// codeSig names a code by its signature, as fosite's strategy does (fosite
// keys a code's OpenID Connect request by the whole code and its other
// records by the signature): with it, the OpenID Connect request is kept
// inside the code's record; nil keeps it apart.
func New(st *state.Store, clients ClientGetter, newSession func() fosite.Session, life Lifespans, codeSig func(ctx context.Context, code string) string) *Store {
	return &Store{st: st, clients: clients, newSession: newSession, life: life, codeSig: codeSig}
}

// GetClient implements fosite.ClientManager.
func (s *Store) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	return s.clients.GetClient(ctx, id)
}

// ClientAssertionJWTValid reports fosite.ErrJTIKnown for a JTI seen before
// (private_key_jwt assertions are single use, RFC 7523 §3).
func (s *Store) ClientAssertionJWTValid(ctx context.Context, jti string) error {
	var exp time.Time
	err := s.st.Get(ctx, jtiKey(jti), &exp)
	if errors.Is(err, state.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return fosite.ErrJTIKnown
}

// MaxAssertionLifetime bounds how far in the future a client assertion's
// exp may lie: its JTI is kept until then, and a client must not make
// the store keep keys for years.
const MaxAssertionLifetime = time.Hour

// SetClientAssertionJWT records a JTI until exp; recording is atomic
// (SET NX), so of two concurrent uses of one assertion only one passes.
func (s *Store) SetClientAssertionJWT(ctx context.Context, jti string, exp time.Time) error {
	ttl := time.Until(exp)
	if ttl <= 0 {
		return nil
	}
	if ttl > MaxAssertionLifetime {
		return fosite.ErrInvalidClient.WithHint("The client_assertion expires too far in the future (at most one hour).")
	}
	ok, err := s.st.PutNew(ctx, jtiKey(jti), exp, ttl)
	if err != nil {
		return err
	}
	if !ok {
		return fosite.ErrJTIKnown
	}
	return nil
}

// jtiKey hashes the JTI: it is chosen by the client, and a hash bounds
// the key's length whatever it sends.
func jtiKey(jti string) string {
	sum := sha256.Sum256([]byte(jti))
	return "oidc:jti:" + hex.EncodeToString(sum[:])
}

// put stores a request, or holds it in ctx's unit until Flush.
func (s *Store) put(ctx context.Context, key string, r fosite.Requester, ttl time.Duration) error {
	rec, err := encode(r)
	if err != nil {
		return err
	}
	if hold(ctx, func(b *state.Batch) { b.Put(key, rec, ttl) }) {
		return nil
	}
	return s.st.Put(ctx, key, rec, ttl)
}

// get reads a record; a missing key becomes fosite.ErrNotFound.
func (s *Store) get(ctx context.Context, key string) (record, error) {
	var rec record
	err := s.st.Get(ctx, key, &rec)
	if errors.Is(err, state.ErrNotFound) {
		return rec, fosite.ErrNotFound
	}
	return rec, err
}

// takeRequest reads and deletes a stored request in one command.
func (s *Store) takeRequest(ctx context.Context, key string, sess fosite.Session) (fosite.Requester, error) {
	var rec record
	err := s.st.Take(ctx, key, &rec)
	if errors.Is(err, state.ErrNotFound) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.decode(ctx, rec, sess)
}

func (s *Store) getRequest(ctx context.Context, key string, sess fosite.Session) (fosite.Requester, error) {
	rec, err := s.get(ctx, key)
	if err != nil {
		return nil, err
	}
	return s.decode(ctx, rec, sess)
}

// The start of a record's JSON, active and not (record's first field).
const (
	activePrefix   = `{"active":true`
	inactivePrefix = `{"active":false`
)

// deactivate flips a record's Active flag atomically, in one round trip;
// it reports wasActive=false when the record was already inactive.
func (s *Store) deactivate(ctx context.Context, key string) (wasActive bool, err error) {
	swap, err := s.st.SwapPrefix(ctx, key, activePrefix, inactivePrefix)
	return s.deactivated(ctx, key, swap, err)
}

// deactivated reads the outcome of the flip of key's flag (SwapPrefix,
// sent alone or in a batch): whether the record was active.
func (s *Store) deactivated(ctx context.Context, key string, swap state.Swap, err error) (wasActive bool, _ error) {
	switch {
	case errors.Is(err, state.ErrNotFound):
		return false, fosite.ErrNotFound
	case err != nil:
		return false, err
	case swap == state.Swapped:
		return true, nil
	case swap == state.Already:
		return false, nil
	}
	// A record written before the flag led the JSON (an upgrade with
	// tokens alive): read, flip and write back if unchanged (Update).
	return s.deactivateSlow(ctx, key)
}

func (s *Store) deactivateSlow(ctx context.Context, key string) (wasActive bool, err error) {
	var rec record
	err = s.st.Update(ctx, key, &rec, 0, func() error {
		wasActive = rec.Active
		if !rec.Active {
			return errAlready
		}
		rec.Active = false
		return nil
	})
	switch {
	case errors.Is(err, errAlready):
		return false, nil
	case errors.Is(err, state.ErrNotFound):
		return false, fosite.ErrNotFound
	case errors.Is(err, state.ErrConflict):
		return false, fmt.Errorf("fositestore: %w", fosite.ErrSerializationFailure)
	}
	return wasActive, err
}

var errAlready = errors.New("already inactive")

// ttlUntil returns the time left until the session's expiry for kind,
// or def when the session sets none.
func ttlUntil(r fosite.Requester, kind fosite.TokenType, def time.Duration) time.Duration {
	if sess := r.GetSession(); sess != nil {
		if exp := sess.GetExpiresAt(kind); !exp.IsZero() {
			if d := time.Until(exp); d > 0 {
				return d + time.Minute
			}
		}
	}
	return def
}
