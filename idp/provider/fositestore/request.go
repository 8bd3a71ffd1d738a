package fositestore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/ory/fosite"
	"golang.org/x/text/language"
)

// record is the JSON form of a fosite.Requester. The client is stored by
// ID and looked up again on read, so that a client removed from the
// configuration cannot use tokens issued before; the session is stored as
// raw JSON and decoded into the session type the caller supplies.
type record struct {
	// Active is false once an authorization code was exchanged or a
	// refresh token rotated; kept so that a replay is recognised. It is
	// the first field, so that the JSON starts with it and one script
	// flips it (state.SwapPrefix) without reading the record.
	Active            bool            `json:"active"`
	ID                string          `json:"id"`
	RequestedAt       time.Time       `json:"requested_at"`
	ClientID          string          `json:"client_id"`
	RequestedScope    []string        `json:"scopes,omitempty"`
	GrantedScope      []string        `json:"granted_scopes,omitempty"`
	RequestedAudience []string        `json:"audience,omitempty"`
	GrantedAudience   []string        `json:"granted_audience,omitempty"`
	Form              url.Values      `json:"form,omitempty"`
	Lang              string          `json:"lang,omitempty"`
	Session           json.RawMessage `json:"session,omitempty"` // omitted in a companion: its code's
	// AccessSig links a refresh token to its access token.
	AccessSig string `json:"access_sig,omitempty"`
	// With, in the record of a code issued within a unit, holds the
	// requests fosite stores beside the code. Present, it is the whole
	// of them: a companion missing from it does not exist.
	With *companions `json:"with,omitempty"`
}

// companions are the requests of a code's PKCE challenge and OpenID
// Connect request, each without its session when it is the code's.
type companions struct {
	PKCE *record `json:"pkce,omitempty"`
	OIDC *record `json:"oidc,omitempty"`
}

func encode(r fosite.Requester) (record, error) {
	sess, err := json.Marshal(r.GetSession())
	if err != nil {
		return record{}, fmt.Errorf("fositestore: encode session: %w", err)
	}
	rec := record{
		ID: r.GetID(), RequestedAt: r.GetRequestedAt(), ClientID: r.GetClient().GetID(),
		RequestedScope: r.GetRequestedScopes(), GrantedScope: r.GetGrantedScopes(),
		RequestedAudience: r.GetRequestedAudience(), GrantedAudience: r.GetGrantedAudience(),
		Form: r.GetRequestForm(), Session: sess, Active: true,
	}
	if l, ok := r.(interface{ GetLang() language.Tag }); ok {
		rec.Lang = l.GetLang().String()
	}
	return rec, nil
}

// decode rebuilds the request. sess receives the stored session; when nil
// (fosite's revocation handler passes nil) a new one is made.
func (s *Store) decode(ctx context.Context, rec record, sess fosite.Session) (*fosite.Request, error) {
	cl, err := s.clients.GetClient(ctx, rec.ClientID)
	if err != nil {
		return nil, fmt.Errorf("fositestore: client %q: %w", rec.ClientID, err)
	}
	if sess == nil {
		sess = s.newSession()
	}
	if err := json.Unmarshal(rec.Session, sess); err != nil {
		return nil, fmt.Errorf("fositestore: decode session: %w", err)
	}
	req := &fosite.Request{
		ID: rec.ID, RequestedAt: rec.RequestedAt, Client: cl,
		RequestedScope: rec.RequestedScope, GrantedScope: rec.GrantedScope,
		RequestedAudience: rec.RequestedAudience, GrantedAudience: rec.GrantedAudience,
		Form: rec.Form, Session: sess,
	}
	if req.Form == nil {
		req.Form = url.Values{}
	}
	if rec.Lang != "" {
		req.Lang, _ = language.Parse(rec.Lang)
	}
	return req, nil
}
