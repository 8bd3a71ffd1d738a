package fositestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/ory/fosite"

	"github.com/seuil-idp/seuil/idp/state"
)

// unit is one HTTP request's dealings with the store. A sign-in's
// authorization writes three requests (the code, its PKCE challenge, its
// OpenID Connect request) and its exchange reads them and writes a token
// pair: one at a time, that is a round trip each. Within a unit:
//
//   - a record read is remembered (fosite reads a code twice per
//     exchange);
//   - a code's PKCE and OpenID Connect requests go inside the code's
//     record, and come back with it;
//   - at the token endpoint, the code is read and flipped used in one
//     script;
//   - new records are held and sent together by Flush, before the
//     response is written, with the deletions fosite asked for, a
//     rotated refresh token's retirement, and the new tokens' additions
//     to their family, in one command.
//
// A code is still spent once only: that is decided by an atomic flip of
// its flag, as the token endpoint reads it or by
// InvalidateAuthorizeCodeSession, which a concurrent exchange loses
// whatever it read.
type unit struct {
	code   string             // the code presented at the token endpoint ("" elsewhere)
	read   map[string]*record // by key; nil: read, and missing
	writes []func(*state.Batch)
	// always are sent by Flush whatever the outcome, before writes: the
	// deletions fosite asked for, a rotated token's retirement. then
	// runs once they are sent.
	always []func(*state.Batch)
	then   []func() error
	// codes are the codes this request issues, by signature, until Flush
	// writes them: their companions join them.
	codes map[string]*record
	// merged are the keys in read that came out of a code's record: not
	// keys of Redis.
	merged map[string]bool
	// joins are the members this request adds to families, by family:
	// sent together by Flush.
	joins map[string][]string
	// spent are the codes this request flipped used as it read them.
	spent []string
}

type unitKey struct{}

// ForRequest returns ctx for one request to the provider: its records'
// writes are held until Flush, and what it reads is remembered.
func ForRequest(ctx context.Context) context.Context { return ForTokenRequest(ctx, "") }

// ForTokenRequest is ForRequest for a token request presenting code
// ("" for a refresh): the code's records are read together.
func ForTokenRequest(ctx context.Context, code string) context.Context {
	return context.WithValue(ctx, unitKey{}, &unit{code: code, read: map[string]*record{}, codes: map[string]*record{}, merged: map[string]bool{}})
}

func unitOf(ctx context.Context) *unit {
	u, _ := ctx.Value(unitKey{}).(*unit)
	return u
}

// Flush sends what ctx's request held, in one round trip: in any case
// the deletions fosite made and the retirement of a rotated grant's
// tokens, then, when ok (the response about to be written carries
// them), the new records, and also, the caller's operations. Without a
// unit it does nothing.
func (s *Store) Flush(ctx context.Context, ok bool, also func(*state.Batch)) error {
	u := unitOf(ctx)
	if u == nil {
		return nil
	}
	writes, always, then, joins := u.writes, u.always, u.then, u.joins
	u.writes, u.always, u.then, u.joins = nil, nil, nil, nil
	clear(u.codes)
	err := s.st.Batch(ctx, func(b *state.Batch) {
		for _, a := range always {
			a(b) // first: a retirement deletes the family the new tokens join
		}
		if ok {
			for _, w := range writes {
				w(b)
			}
			for fam, members := range joins {
				b.AddAllToSet(fam, members, s.familyTTL())
			}
			if also != nil {
				also(b)
			}
		}
	})
	if err != nil {
		return fmt.Errorf("fositestore: flush: %w", err)
	}
	for _, f := range then {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// hold queues a write in ctx's unit, or reports false when there is none
// (the write is then the caller's to send).
func hold(ctx context.Context, w func(*state.Batch)) bool {
	u := unitOf(ctx)
	if u == nil {
		return false
	}
	u.writes = append(u.writes, w)
	return true
}

// readCode reads a code's record, remembered in ctx's unit. At the token
// endpoint the read also spends the code (one round trip, not a read and
// then InvalidateAuthorizeCodeSession's flip): an exchange that fails
// after it (a wrong verifier, another client) leaves the code spent, as
// when the code is presented twice. The requests stored inside the
// record (its PKCE challenge, the OpenID Connect request of the code
// presented) are remembered as read too; a record written apart from
// its companions (outside a unit, or before they joined it) leaves them
// to be read from their own keys.
func (s *Store) readCode(ctx context.Context, sig string) (record, error) {
	u := unitOf(ctx)
	if u == nil {
		return s.get(ctx, codeKey(sig))
	}
	if _, seen := u.read[codeKey(sig)]; !seen {
		var (
			rec record
			err error
		)
		if u.code == "" {
			rec, err = s.get(ctx, codeKey(sig))
		} else {
			rec, err = s.readSpending(ctx, u, sig)
		}
		switch {
		case errors.Is(err, fosite.ErrNotFound):
			u.read[codeKey(sig)] = nil
		case err != nil:
			return record{}, err
		default:
			u.read[codeKey(sig)] = &rec
			if rec.With != nil && u.code != "" {
				u.recall(pkceKey(sig), rec.With.PKCE, &rec)
				if s.codeSig != nil && s.codeSig(ctx, u.code) == sig {
					u.recall(idreqKey(u.code), rec.With.OIDC, &rec)
				}
			}
		}
	}
	return u.recalled(codeKey(sig))
}

// readSpending reads code sig and flips it used in one round trip (a
// missing code is fosite.ErrNotFound); a record written before the flag
// led its JSON is read only, and spent by InvalidateAuthorizeCodeSession
// the slow way.
func (s *Store) readSpending(ctx context.Context, u *unit, sig string) (record, error) {
	var rec record
	swap, err := s.st.SwapPrefixGet(ctx, codeKey(sig), activePrefix, inactivePrefix, &rec)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return rec, fosite.ErrNotFound
	case err != nil:
		return rec, err
	case swap == state.Swapped:
		u.spent = append(u.spent, sig) // rec, as read, is still active
	}
	return rec, nil
}

// recall remembers companion c (nil: the code has none) of code record
// at key, once: a companion spent in this request does not come back
// when the code is read again.
func (u *unit) recall(key string, c, code *record) {
	if u.merged[key] {
		return
	}
	u.merged[key] = true
	if c != nil && len(c.Session) == 0 {
		c.Session = code.Session
	}
	u.read[key] = c
}

// recalled returns a record the unit read: fosite.ErrNotFound when it was
// missing, errNotRead when it was not read.
func (u *unit) recalled(key string) (record, error) {
	rec, seen := u.read[key]
	switch {
	case !seen:
		return record{}, errNotRead
	case rec == nil:
		return record{}, fosite.ErrNotFound
	}
	return *rec, nil
}

var errNotRead = errors.New("fositestore: not read in this request")
