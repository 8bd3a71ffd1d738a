package fositestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/ory/fosite"
)

func atKey(sig string) string   { return "oidc:at:" + sig }
func rtKey(sig string) string   { return "oidc:rt:" + sig }
func atFam(reqID string) string { return "oidc:atfam:" + reqID }
func rtFam(reqID string) string { return "oidc:rtfam:" + reqID }

// subGrants indexes the grants holding refresh tokens by subject, so
// that the helpdesk can revoke a student's tokens everywhere.
func subGrants(sub string) string { return "oidc:rtsub:" + sub }

// CreateAccessTokenSession stores an access token's request and indexes
// it under its grant (request ID) for revocation.
func (s *Store) CreateAccessTokenSession(ctx context.Context, sig string, r fosite.Requester) error {
	ttl := ttlUntil(r, fosite.AccessToken, s.life.Access)
	if err := s.put(ctx, atKey(sig), r, ttl); err != nil {
		return err
	}
	return s.index(ctx, atFam(r.GetID()), sig)
}

// GetAccessTokenSession returns an access token's request.
func (s *Store) GetAccessTokenSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	return s.getRequest(ctx, atKey(sig), sess)
}

// DeleteAccessTokenSession removes an access token.
func (s *Store) DeleteAccessTokenSession(ctx context.Context, sig string) error {
	return s.st.Delete(ctx, atKey(sig))
}

// CreateRefreshTokenSession stores an active refresh token in its family.
func (s *Store) CreateRefreshTokenSession(ctx context.Context, sig, accessSig string, r fosite.Requester) error {
	rec, err := encode(r)
	if err != nil {
		return err
	}
	rec.AccessSig = accessSig
	if err := s.st.Put(ctx, rtKey(sig), rec, ttlUntil(r, fosite.RefreshToken, s.life.Refresh)); err != nil {
		return err
	}
	if sub := r.GetSession().GetSubject(); sub != "" {
		if err := s.index(ctx, subGrants(sub), r.GetID()); err != nil {
			return err
		}
	}
	return s.index(ctx, rtFam(r.GetID()), sig)
}

// RevokeSubject revokes every refresh and access token of every grant
// the subject holds, and returns how many grants it found.
func (s *Store) RevokeSubject(ctx context.Context, sub string) (int, error) {
	ids, err := s.members(ctx, subGrants(sub))
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.RevokeRefreshToken(ctx, id); err != nil {
			return 0, err
		}
		if err := s.RevokeAccessToken(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), s.st.Delete(ctx, subGrants(sub))
}

// GetRefreshTokenSession returns a refresh token's request; for a rotated
// or revoked token it returns the request AND fosite.ErrInactiveToken,
// which fosite treats as reuse and answers by revoking the family.
func (s *Store) GetRefreshTokenSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	return s.getActive(ctx, rtKey(sig), sess, fosite.ErrInactiveToken)
}

// DeleteRefreshTokenSession removes a refresh token.
func (s *Store) DeleteRefreshTokenSession(ctx context.Context, sig string) error {
	return s.st.Delete(ctx, rtKey(sig))
}

// RotateRefreshToken retires the presented refresh token (once: a
// concurrent second use loses) and the grant's other tokens before the
// new pair is stored.
func (s *Store) RotateRefreshToken(ctx context.Context, reqID, sig string) error {
	was, err := s.deactivate(ctx, rtKey(sig))
	if err != nil {
		return err
	}
	if !was {
		return fmt.Errorf("fositestore: refresh token already rotated: %w", fosite.ErrInactiveToken)
	}
	if err := s.RevokeRefreshToken(ctx, reqID); err != nil {
		return err
	}
	return s.RevokeAccessToken(ctx, reqID)
}

// RevokeRefreshToken marks every active refresh token of the grant
// inactive. The records are kept (until their TTL) so that a later use is
// seen as reuse, but leave the family set, which thus holds only active
// tokens and stays small however long the chain of rotations.
func (s *Store) RevokeRefreshToken(ctx context.Context, reqID string) error {
	sigs, err := s.members(ctx, rtFam(reqID))
	if err != nil {
		return err
	}
	for _, sig := range sigs {
		if _, err := s.deactivate(ctx, rtKey(sig)); err != nil && !errors.Is(err, fosite.ErrNotFound) {
			return err
		}
	}
	if err := s.st.RemoveFromSet(ctx, rtFam(reqID), sigs...); err != nil {
		return fmt.Errorf("fositestore: family: %w", err)
	}
	return nil
}

// RevokeAccessToken deletes every access token of the grant.
func (s *Store) RevokeAccessToken(ctx context.Context, reqID string) error {
	sigs, err := s.members(ctx, atFam(reqID))
	if err != nil {
		return err
	}
	for _, sig := range sigs {
		if err := s.DeleteAccessTokenSession(ctx, sig); err != nil {
			return err
		}
	}
	return s.st.Delete(ctx, atFam(reqID))
}

// index adds sig to a grant's family set, which lives as long as the
// longest-lived token can.
func (s *Store) index(ctx context.Context, fam, sig string) error {
	if err := s.st.AddToSet(ctx, fam, sig, s.life.Refresh+s.life.Access); err != nil {
		return fmt.Errorf("fositestore: index: %w", err)
	}
	return nil
}

func (s *Store) members(ctx context.Context, fam string) ([]string, error) {
	sigs, err := s.st.Members(ctx, fam)
	if err != nil {
		return nil, fmt.Errorf("fositestore: family: %w", err)
	}
	return sigs, nil
}
