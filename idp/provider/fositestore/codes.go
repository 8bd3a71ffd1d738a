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
	return s.getActive(ctx, "oidc:code:"+sig, sess, fosite.ErrInvalidatedAuthorizeCode)
}

// getActive reads a stored request; one no longer active comes back with
// inactive, the error by which fosite recognises a replay.
func (s *Store) getActive(ctx context.Context, key string, sess fosite.Session, inactive error) (fosite.Requester, error) {
	rec, err := s.get(ctx, key)
	if err != nil {
		return nil, err
	}
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

// GetPKCERequestSession returns the request holding the PKCE challenge.
func (s *Store) GetPKCERequestSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	return s.getRequest(ctx, "oidc:pkce:"+sig, sess)
}

// DeletePKCERequestSession removes a PKCE challenge.
func (s *Store) DeletePKCERequestSession(ctx context.Context, sig string) error {
	return s.st.Delete(ctx, "oidc:pkce:"+sig)
}

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

// GetOpenIDConnectSession returns the OpenID Connect request of a code,
// decoding its session into the requester's session type.
func (s *Store) GetOpenIDConnectSession(ctx context.Context, code string, r fosite.Requester) (fosite.Requester, error) {
	var sess fosite.Session
	if r != nil {
		sess = r.GetSession()
	}
	return s.getRequest(ctx, idreqKey(code), sess)
}

// DeleteOpenIDConnectSession removes the OpenID Connect request of a code.
func (s *Store) DeleteOpenIDConnectSession(ctx context.Context, code string) error {
	return s.st.Delete(ctx, idreqKey(code))
}
