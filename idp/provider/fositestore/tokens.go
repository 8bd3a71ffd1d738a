package fositestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ory/fosite"

	"github.com/seuil-idp/seuil/idp/state"
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
// (One round trip: the record and its index in a batch.)
func (s *Store) CreateAccessTokenSession(ctx context.Context, sig string, r fosite.Requester) error {
	rec, err := encode(r)
	if err != nil {
		return err
	}
	ttl, id := ttlUntil(r, fosite.AccessToken, s.life.Access), r.GetID()
	write := func(b *state.Batch) {
		b.Put(atKey(sig), rec, ttl)
		b.AddToSet(atFam(id), sig, s.familyTTL())
	}
	if hold(ctx, write) {
		return nil
	}
	if err := s.st.Batch(ctx, write); err != nil {
		return fmt.Errorf("fositestore: access token: %w", err)
	}
	return nil
}

// GetAccessTokenSession returns an access token's request.
func (s *Store) GetAccessTokenSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	return s.getRequest(ctx, atKey(sig), sess)
}

// DeleteAccessTokenSession removes an access token.
func (s *Store) DeleteAccessTokenSession(ctx context.Context, sig string) error {
	return s.st.Delete(ctx, atKey(sig))
}

// CreateRefreshTokenSession stores an active refresh token in its family
// (and its grant under its subject), in one round trip.
func (s *Store) CreateRefreshTokenSession(ctx context.Context, sig, accessSig string, r fosite.Requester) error {
	rec, err := encode(r)
	if err != nil {
		return err
	}
	rec.AccessSig = accessSig
	ttl := ttlUntil(r, fosite.RefreshToken, s.life.Refresh)
	sub, id := r.GetSession().GetSubject(), r.GetID()
	write := func(b *state.Batch) {
		b.Put(rtKey(sig), rec, ttl)
		if sub != "" {
			b.AddToSet(subGrants(sub), id, s.familyTTL())
		}
		b.AddToSet(rtFam(id), sig, s.familyTTL())
	}
	if hold(ctx, write) {
		return nil
	}
	if err := s.st.Batch(ctx, write); err != nil {
		return fmt.Errorf("fositestore: refresh token: %w", err)
	}
	return nil
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
// new pair is stored. The flip goes with the families' read, in one round
// trip; the retirement is sent at once, or within a unit with the new
// pair (Flush): two round trips, or one, however many tokens the grant
// holds.
func (s *Store) RotateRefreshToken(ctx context.Context, reqID, sig string) error {
	var (
		swap    state.Swap
		swapErr error
		rts     []string
		ats     []string
	)
	err := s.st.Batch(ctx, func(b *state.Batch) {
		b.SwapPrefix(rtKey(sig), activePrefix, inactivePrefix, func(sw state.Swap, err error) { swap, swapErr = sw, err })
		b.Members(rtFam(reqID), func(m []string) { rts = m })
		b.Members(atFam(reqID), func(m []string) { ats = m })
	})
	if err != nil {
		return fmt.Errorf("fositestore: rotate: %w", err)
	}
	was, err := s.deactivated(ctx, rtKey(sig), swap, swapErr)
	if err != nil {
		return err
	}
	if !was {
		return fmt.Errorf("fositestore: refresh token already rotated: %w", fosite.ErrInactiveToken)
	}
	retire, then := s.retirement(ctx, reqID, sig, rts, ats, true, true)
	if u := unitOf(ctx); u != nil {
		u.always = append(u.always, retire)
		u.then = append(u.then, then)
		return nil
	}
	if err := s.st.Batch(ctx, retire); err != nil {
		return fmt.Errorf("fositestore: retire grant: %w", err)
	}
	return then()
}

// RevokeRefreshToken marks every active refresh token of the grant
// inactive. The records are kept (until their TTL) so that a later use is
// seen as reuse, but leave the family set, which thus holds only active
// tokens and stays small however long the chain of rotations.
func (s *Store) RevokeRefreshToken(ctx context.Context, reqID string) error {
	return s.retire(ctx, reqID, "", true, false)
}

// RevokeAccessToken deletes every access token of the grant.
func (s *Store) RevokeAccessToken(ctx context.Context, reqID string) error {
	return s.retire(ctx, reqID, "", false, true)
}

// retire ends a grant's refresh tokens and deletes its access tokens, as
// asked, in two round trips: the families read, then every change sent
// in one batch.
func (s *Store) retire(ctx context.Context, reqID, done string, refresh, access bool) error {
	var fams []string
	if refresh {
		fams = append(fams, rtFam(reqID))
	}
	if access {
		fams = append(fams, atFam(reqID))
	}
	sets, err := s.st.MembersOf(ctx, fams...)
	if err != nil {
		return fmt.Errorf("fositestore: family: %w", err)
	}
	var rts, ats []string
	if refresh {
		rts, sets = sets[0], sets[1:]
	}
	if access {
		ats = sets[0]
	}
	batch, then := s.retirement(ctx, reqID, done, rts, ats, refresh, access)
	if err := s.st.Batch(ctx, batch); err != nil {
		return fmt.Errorf("fositestore: retire grant: %w", err)
	}
	return then()
}

// retirement is the batch that ends refresh tokens rts (flipped inactive,
// out of the family; done, already flipped, is left alone) and deletes
// access tokens ats, and what to do once it is sent: flip the slow way
// the tokens written before the flag led their JSON.
func (s *Store) retirement(ctx context.Context, reqID, done string, rts, ats []string, refresh, access bool) (func(*state.Batch), func() error) {
	var legacy []string
	batch := func(b *state.Batch) {
		for _, sig := range rts {
			if sig != done {
				// A token gone (expired) is nothing to flip.
				b.SwapPrefix(rtKey(sig), activePrefix, inactivePrefix, func(sw state.Swap, err error) {
					if err == nil && sw == state.Other {
						legacy = append(legacy, sig)
					}
				})
			}
		}
		if refresh {
			b.RemoveFromSet(rtFam(reqID), rts...)
		}
		for _, sig := range ats {
			b.Delete(atKey(sig))
		}
		if access {
			b.Delete(atFam(reqID))
		}
	}
	then := func() error {
		for _, sig := range legacy {
			if _, err := s.deactivateSlow(ctx, rtKey(sig)); err != nil && !errors.Is(err, fosite.ErrNotFound) {
				return err
			}
		}
		return nil
	}
	return batch, then
}

// familyTTL is the lifetime of a grant's family sets: as long as its
// longest-lived token can be.
func (s *Store) familyTTL() time.Duration { return s.life.Refresh + s.life.Access }

func (s *Store) members(ctx context.Context, fam string) ([]string, error) {
	sigs, err := s.st.Members(ctx, fam)
	if err != nil {
		return nil, fmt.Errorf("fositestore: family: %w", err)
	}
	return sigs, nil
}
