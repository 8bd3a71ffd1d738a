package fositestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"

	"github.com/ory/fosite"

	"github.com/seuil-idp/seuil/idp/state"
)

func codeKey(sig string) string { return "oidc:code:" + sig }
func pkceKey(sig string) string { return "oidc:pkce:" + sig }

// CreateAuthorizeCodeSession stores the request behind an authorization
// code. Within a unit it is held until Flush, and the requests fosite
// stores beside the code in the same authorization (its PKCE challenge,
// its OpenID Connect request) join its record: one key written, read and
// expired instead of three.
func (s *Store) CreateAuthorizeCodeSession(ctx context.Context, sig string, r fosite.Requester) error {
	u := unitOf(ctx)
	if u == nil {
		return s.put(ctx, codeKey(sig), r, s.life.Code)
	}
	rec, err := encode(r)
	if err != nil {
		return err
	}
	rec.With = &companions{}
	u.codes[sig] = &rec
	u.writes = append(u.writes, func(b *state.Batch) { b.Put(codeKey(sig), &rec, s.life.Code) })
	return nil
}

// putCompanion stores a request written beside code sig: inside the
// code's record when this unit holds it, else under key.
func (s *Store) putCompanion(ctx context.Context, sig, key string, r fosite.Requester, slot func(*companions) **record) error {
	u := unitOf(ctx)
	code := (*record)(nil)
	if u != nil {
		code = u.codes[sig]
	}
	if code == nil {
		return s.put(ctx, key, r, s.life.Code)
	}
	rec, err := encode(r)
	if err != nil {
		return err
	}
	if bytes.Equal(rec.Session, code.Session) {
		rec.Session = nil // the code's own: not stored twice
	}
	*slot(code.With) = &rec
	return nil
}

// GetAuthorizeCodeSession returns the request; for a code already
// exchanged it returns the request AND fosite.ErrInvalidatedAuthorizeCode,
// so that fosite revokes the tokens the first exchange issued. Within a
// unit the record is read once (fosite asks twice per exchange).
func (s *Store) GetAuthorizeCodeSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	rec, err := s.readCode(ctx, sig)
	if err != nil {
		return nil, err
	}
	return s.activeRequest(ctx, rec, sess, fosite.ErrInvalidatedAuthorizeCode)
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
// exchanges only one succeeds: the flag flips atomically, here or, at
// the token endpoint, as the code is read.
func (s *Store) InvalidateAuthorizeCodeSession(ctx context.Context, sig string) error {
	u := unitOf(ctx)
	if u != nil {
		if i := slices.Index(u.spent, sig); i >= 0 {
			u.spent = slices.Delete(u.spent, i, i+1) // once: a second call finds it used
			if rec := u.read[codeKey(sig)]; rec != nil {
				rec.Active = false
			}
			return nil
		}
		delete(u.read, codeKey(sig)) // read again if asked: it is spent now
	}
	was, err := s.deactivate(ctx, codeKey(sig))
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
	return s.putCompanion(ctx, sig, pkceKey(sig), r, func(c *companions) **record { return &c.PKCE })
}

// GetPKCERequestSession returns the request holding the PKCE challenge.
// Within a token request's unit it was read with the code; outside one
// it is taken (GETDEL): fosite deletes it right after reading it,
// whatever follows, so taking it is the same and spares a round trip.
func (s *Store) GetPKCERequestSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	return s.companion(ctx, pkceKey(sig), sess)
}

// DeletePKCERequestSession deletes the challenge, once read: within a
// unit, in the round trip of Flush (sent whatever the outcome, so that a
// failed verifier spends it, as fosite means); outside one,
// GetPKCERequestSession took it already. A challenge kept in its code's
// record was spent with the code, as the token request read it.
func (s *Store) DeletePKCERequestSession(ctx context.Context, sig string) error {
	s.forget(ctx, pkceKey(sig))
	return nil
}

// companion reads a record written beside a code: from the unit when it
// read it, else taken.
func (s *Store) companion(ctx context.Context, key string, sess fosite.Session) (fosite.Requester, error) {
	if u := unitOf(ctx); u != nil {
		if rec, err := u.recalled(key); !errors.Is(err, errNotRead) {
			if err != nil {
				return nil, err
			}
			return s.decode(ctx, rec, sess)
		}
	}
	return s.takeRequest(ctx, key, sess)
}

// forget deletes, at Flush, a companion the unit read (one it did not
// read was taken as read); one that came out of its code's record goes
// with that record, and is only forgotten by the unit.
func (s *Store) forget(ctx context.Context, key string) {
	if u := unitOf(ctx); u != nil {
		if _, seen := u.read[key]; seen {
			if !u.merged[key] {
				u.always = append(u.always, func(b *state.Batch) { b.Delete(key) })
			}
			delete(u.read, key)
		}
	}
}

// idreqKey hashes the code: fosite names the OpenID Connect request by the
// whole code, not its signature, and a key must not hand out a live code.
func idreqKey(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "oidc:idreq:" + hex.EncodeToString(sum[:])
}

// CreateOpenIDConnectSession stores the OpenID Connect request of a code.
func (s *Store) CreateOpenIDConnectSession(ctx context.Context, code string, r fosite.Requester) error {
	if s.codeSig == nil {
		return s.put(ctx, idreqKey(code), r, s.life.Code)
	}
	return s.putCompanion(ctx, s.codeSig(ctx, code), idreqKey(code), r, func(c *companions) **record { return &c.OIDC })
}

// GetOpenIDConnectSession returns the OpenID Connect request of a code,
// decoding its session into the requester's session type: read with the
// code within a token request's unit, else taken (GETDEL; fosite reads
// it once, when the code is already spent, and then deletes it).
func (s *Store) GetOpenIDConnectSession(ctx context.Context, code string, r fosite.Requester) (fosite.Requester, error) {
	var sess fosite.Session
	if r != nil {
		sess = r.GetSession()
	}
	return s.companion(ctx, idreqKey(code), sess)
}

// DeleteOpenIDConnectSession deletes the request once read: at Flush
// within a unit; outside one GetOpenIDConnectSession took it already.
// One kept in its code's record goes with the record (fosite reads it
// only once the code is spent, which its record then remembers).
func (s *Store) DeleteOpenIDConnectSession(ctx context.Context, code string) error {
	s.forget(ctx, idreqKey(code))
	return nil
}
