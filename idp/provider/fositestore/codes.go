package fositestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/ory/fosite"
)

// CreateAuthorizeCodeSession stores the request behind an authorization code.
func (s *Store) CreateAuthorizeCodeSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.put(ctx, "oidc:code:"+sig, r, s.life.Code)
}

// GetAuthorizeCodeSession returns the request; for a code already
// exchanged it returns the request AND fosite.ErrInvalidatedAuthorizeCode,
// so that fosite revokes the tokens the first exchange issued.
func (s *Store) GetAuthorizeCodeSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	key := "oidc:code:" + sig
	if m, ok := ctx.Value(memoKey{}).(*memo); ok {
		// fosite reads the code twice per exchange (its check, then its
		// response): the second time from this request's memory.
		rec, seen := m.codes[key]
		if !seen {
			var err error
			if rec, err = s.get(ctx, key); err != nil {
				return nil, err
			}
			m.codes[key] = rec
		}
		return s.activeRequest(ctx, rec, sess, fosite.ErrInvalidatedAuthorizeCode)
	}
	return s.getActive(ctx, key, sess, fosite.ErrInvalidatedAuthorizeCode)
}

// memo holds the code records a token request has read.
type memo struct{ codes map[string]record }

type memoKey struct{}

// WithRequestMemo returns ctx for one token request: a code record read
// once is read from memory for the rest of it. The code is still spent
// once only: that is decided by InvalidateAuthorizeCodeSession's atomic
// flip, which a concurrent exchange loses whatever it read.
func WithRequestMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{codes: map[string]record{}})
}

// getActive reads a stored request; one no longer active comes back with
// inactive, the error by which fosite recognises a replay.
func (s *Store) getActive(ctx context.Context, key string, sess fosite.Session, inactive error) (fosite.Requester, error) {
	rec, err := s.get(ctx, key)
	if err != nil {
		return nil, err
	}
	return s.activeRequest(ctx, rec, sess, inactive)
}

func (s *Store) activeRequest(ctx context.Context, rec record, sess fosite.Session, inactive error) (fosite.Requester, error) {
	req, err := s.decode(ctx, rec, sess)
	if err != nil {
		return nil, err
	}
	if !rec.Active {
		return req, inactive
	}
	return req, nil
}

// InvalidateAuthorizeCodeSession marks the code used. Of two concurrent
// exchanges only one succeeds: the flag flips under optimistic locking.
func (s *Store) InvalidateAuthorizeCodeSession(ctx context.Context, sig string) error {
	if m, ok := ctx.Value(memoKey{}).(*memo); ok {
		delete(m.codes, "oidc:code:"+sig)
	}
	was, err := s.deactivate(ctx, "oidc:code:"+sig)
	if err != nil {
		return err
	}
	if !was {
		return fosite.ErrInvalidatedAuthorizeCode
	}
	return nil
}

// CreatePKCERequestSession stores the PKCE challenge of a code.
func (s *Store) CreatePKCERequestSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.put(ctx, "oidc:pkce:"+sig, r, s.life.Code)
}

// GetPKCERequestSession takes the request holding the PKCE challenge: it
// is read and deleted in one command (GETDEL). fosite deletes it right
// after reading it, whatever follows, so taking it is the same and
// spares a round trip.
func (s *Store) GetPKCERequestSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	return s.takeRequest(ctx, "oidc:pkce:"+sig, sess)
}

// DeletePKCERequestSession does nothing: GetPKCERequestSession took the
// challenge, and fosite calls this only right after it. (An unread
// challenge would lapse with its code.)
func (s *Store) DeletePKCERequestSession(context.Context, string) error { return nil }

// idreqKey hashes the code: fosite names the OpenID Connect request by the
// whole code, not its signature, and a key must not hand out a live code.
func idreqKey(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "oidc:idreq:" + hex.EncodeToString(sum[:])
}

// CreateOpenIDConnectSession stores the OpenID Connect request of a code.
func (s *Store) CreateOpenIDConnectSession(ctx context.Context, code string, r fosite.Requester) error {
	return s.put(ctx, idreqKey(code), r, s.life.Code)
}

// GetOpenIDConnectSession takes the OpenID Connect request of a code
// (GETDEL), decoding its session into the requester's session type.
// fosite reads it once, when the code is already spent, and then deletes
// it: taking it is the same in one round trip.
func (s *Store) GetOpenIDConnectSession(ctx context.Context, code string, r fosite.Requester) (fosite.Requester, error) {
	var sess fosite.Session
	if r != nil {
		sess = r.GetSession()
	}
	return s.takeRequest(ctx, idreqKey(code), sess)
}

// DeleteOpenIDConnectSession does nothing: GetOpenIDConnectSession took
// the request, and fosite calls this only after it.
func (s *Store) DeleteOpenIDConnectSession(context.Context, string) error { return nil }
