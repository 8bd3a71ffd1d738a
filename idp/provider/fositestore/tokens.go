package fositestore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/seuil-idp/seuil/idp/state"
)

func atKey(sig string) string { return "oidc:at:" + sig }
func rtKey(sig string) string { return "oidc:rt:" + sig }

// famKey is a grant's family: the signatures of its live access tokens
// (atMember) and active refresh tokens (rtMember), one set so that the
// pair of a grant is indexed, and found again, in one command.
func famKey(reqID string) string { return "oidc:fam:" + reqID }
func atMember(sig string) string { return "a:" + sig }
func rtMember(sig string) string { return "r:" + sig }

// The two families a grant had before it had one, read while tokens
// issued then are alive.
func legacyATFam(reqID string) string { return "oidc:atfam:" + reqID }
func legacyRTFam(reqID string) string { return "oidc:rtfam:" + reqID }

// subGrants indexes the grants holding refresh tokens by subject, so
// that the helpdesk can revoke a student's tokens everywhere.
func subGrants(sub string) string { return "oidc:rtsub:" + sub }

// CreateAccessTokenSession stores an access token's request and indexes
// it in its grant's family for revocation.
// (One round trip: the record and its index in a batch.)
func (s *Store) CreateAccessTokenSession(ctx context.Context, sig string, r fosite.Requester) error {
	rec, err := encode(r)
	if err != nil {
		return err
	}
	ttl, id := ttlUntil(r, fosite.AccessToken, s.life.Access), r.GetID()
	put := func(b *state.Batch) { b.Put(atKey(sig), rec, ttl) }
	if s.join(ctx, put, id, atMember(sig)) {
		return nil
	}
	if err := s.st.Batch(ctx, func(b *state.Batch) {
		put(b)
		b.AddToSet(famKey(id), atMember(sig), s.familyTTL())
	}); err != nil {
		return fmt.Errorf("fositestore: access token: %w", err)
	}
	return nil
}

// join holds, in ctx's unit, write w and the addition of member to
// grant id's family, which Flush sends with the other members the
// request adds (an access and a refresh token: one command); false
// when there is no unit.
func (s *Store) join(ctx context.Context, w func(*state.Batch), id, member string) bool {
	u := unitOf(ctx)
	if u == nil {
		return false
	}
	u.writes = append(u.writes, w)
	if u.joins == nil {
		u.joins = map[string][]string{}
	}
	u.joins[famKey(id)] = append(u.joins[famKey(id)], member)
	return true
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
	put := func(b *state.Batch) {
		b.Put(rtKey(sig), rec, ttl)
		if sub != "" {
			b.AddToSet(subGrants(sub), id, s.familyTTL())
		}
	}
	if s.join(ctx, put, id, rtMember(sig)) {
		return nil
	}
	if err := s.st.Batch(ctx, func(b *state.Batch) {
		put(b)
		b.AddToSet(famKey(id), rtMember(sig), s.familyTTL())
	}); err != nil {
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
		if err := s.retire(ctx, id, "", true, true); err != nil {
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
// new pair is stored. The flip goes with the family's read, in one round
// trip; the retirement is sent at once, or within a unit with the new
// pair (Flush): two round trips, or one, however many tokens the grant
// holds. A grant whose family does not hold the token was issued before
// grants had one family: its two old sets are read in one more.
func (s *Store) RotateRefreshToken(ctx context.Context, reqID, sig string) error {
	var (
		swap    state.Swap
		swapErr error
		members []string
	)
	err := s.st.Batch(ctx, func(b *state.Batch) {
		b.SwapPrefix(rtKey(sig), activePrefix, inactivePrefix, func(sw state.Swap, err error) { swap, swapErr = sw, err })
		b.Members(famKey(reqID), func(m []string) { members = m })
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
	f := family{members: members}
	if !slices.Contains(members, rtMember(sig)) {
		if f, err = s.family(ctx, reqID); err != nil {
			return err
		}
	}
	retire, then := s.retirement(ctx, reqID, sig, f, true, true)
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

// family is what a grant's sets hold: members of its one family, and
// what its two old sets hold (tokens issued before it had one).
type family struct {
	members            []string
	legacyRT, legacyAT []string
}

// family reads grant reqID's family and its old sets, in one round trip.
func (s *Store) family(ctx context.Context, reqID string) (family, error) {
	sets, err := s.st.MembersOf(ctx, famKey(reqID), legacyRTFam(reqID), legacyATFam(reqID))
	if err != nil {
		return family{}, fmt.Errorf("fositestore: family: %w", err)
	}
	return family{members: sets[0], legacyRT: sets[1], legacyAT: sets[2]}, nil
}

// retire ends a grant's refresh tokens and deletes its access tokens, as
// asked, in two round trips: the family read, then every change sent in
// one batch.
func (s *Store) retire(ctx context.Context, reqID, done string, refresh, access bool) error {
	f, err := s.family(ctx, reqID)
	if err != nil {
		return err
	}
	batch, then := s.retirement(ctx, reqID, done, f, refresh, access)
	if err := s.st.Batch(ctx, batch); err != nil {
		return fmt.Errorf("fositestore: retire grant: %w", err)
	}
	return then()
}

// retirement is the batch that ends family f's refresh tokens (flipped
// inactive, out of the family; done, already flipped, is left alone)
// and deletes its access tokens, as asked, and what to do once it is
// sent: flip the slow way the tokens written before the flag led their
// JSON.
func (s *Store) retirement(ctx context.Context, reqID, done string, f family, refresh, access bool) (func(*state.Batch), func() error) {
	var rts, ats, gone []string
	for _, m := range f.members {
		switch {
		case refresh && strings.HasPrefix(m, "r:"):
			rts, gone = append(rts, m[2:]), append(gone, m)
		case access && strings.HasPrefix(m, "a:"):
			ats, gone = append(ats, m[2:]), append(gone, m)
		}
	}
	if refresh {
		rts = append(rts, f.legacyRT...)
	}
	if access {
		ats = append(ats, f.legacyAT...)
	}
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
		for _, sig := range ats {
			b.Delete(atKey(sig))
		}
		b.RemoveFromSet(famKey(reqID), gone...)
		if refresh && len(f.legacyRT) > 0 {
			b.Delete(legacyRTFam(reqID))
		}
		if access && len(f.legacyAT) > 0 {
			b.Delete(legacyATFam(reqID))
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
