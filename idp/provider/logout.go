package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/websec"
)

const logoutCSRF = "seuil_logout_csrf"

// logoutRequest is a validated RP-initiated logout request.
type logoutRequest struct {
	clientID, redirect, state string
	sub, sid                  string // from id_token_hint
	params                    url.Values
}

// logout is the end_session_endpoint (OIDC RP-Initiated Logout 1.0). A
// request carrying an id_token_hint of the browser's own session ends it
// at once; otherwise the user confirms with a button, so that a link on
// another site cannot sign students out.
func (p *Provider) logout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, "", http.StatusBadRequest, "oidc.error.logout")
		return
	}
	lr, ok := p.parseLogout(r.Form)
	if !ok {
		p.errorPage(w, r, lr.clientID, http.StatusBadRequest, "oidc.error.logout")
		return
	}
	sess, err := p.sessions.Current(r.Context(), r)
	hinted := err == nil && lr.sid != "" && websec.Equal(lr.sid, sess.SID)
	confirmed := false
	if r.Method == http.MethodPost {
		tok, ok := p.cfg.Session.Cookies.Get(r, logoutCSRF)
		confirmed = ok && websec.Equal(tok, r.PostFormValue("csrf"))
	}
	if err == nil && !hinted && !confirmed {
		csrf := websec.Token()
		p.cfg.Session.Cookies.Set(w, logoutCSRF, csrf, 0)
		hidden := map[string]string{}
		for k := range lr.params {
			hidden[k] = lr.params.Get(k)
		}
		p.page(w, r, lr.clientID, http.StatusOK, "oidc_logout", "oidc.logout.title",
			map[string]any{"Action": p.base + "/oauth2/logout", "Hidden": hidden}, csrf)
		return
	}
	switch {
	case err == nil:
		if ended, err := p.sessions.End(r.Context(), w, r); err == nil {
			p.backchannel(context.WithoutCancel(r.Context()), ended)
		}
	case lr.sid != "":
		// No cookie: a relying party's server, or another browser. The
		// hint, an ID token Seuil signed, names the session to end.
		if ended, err := p.sessions.EndSID(r.Context(), lr.sid); err == nil {
			p.backchannel(context.WithoutCancel(r.Context()), ended)
		} else if !errors.Is(err, session.ErrNoSession) {
			p.log.ErrorContext(r.Context(), "logout by id_token_hint", "err", err)
			p.errorPage(w, r, lr.clientID, http.StatusServiceUnavailable, "oidc.error.logout")
			return
		}
	}
	p.cfg.Session.Cookies.Clear(w, logoutCSRF)
	if lr.redirect != "" {
		u, _ := url.Parse(lr.redirect)
		if lr.state != "" {
			q := u.Query()
			q.Set("state", lr.state)
			u.RawQuery = q.Encode()
		}
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
		return
	}
	p.page(w, r, lr.clientID, http.StatusOK, "oidc_loggedout", "oidc.loggedout.title", nil, "")
}

// parseLogout checks the parameters: the hint must be an ID token we
// signed (expired is fine), and a post-logout URI must be registered,
// exactly, for the client named by the hint or client_id.
func (p *Provider) parseLogout(f url.Values) (logoutRequest, bool) {
	lr := logoutRequest{clientID: f.Get("client_id"), redirect: f.Get("post_logout_redirect_uri"), state: f.Get("state"), params: url.Values{}}
	for _, k := range logoutParams {
		if f.Has(k) {
			lr.params.Set(k, f.Get(k))
		}
	}
	if hint := f.Get("id_token_hint"); hint != "" {
		c, ok := p.verifyIDToken(hint)
		if !ok || (lr.clientID != "" && !slices.Contains(c.Audience, lr.clientID)) {
			return lr, false
		}
		if len(c.Audience) > 0 {
			lr.clientID = c.Audience[0]
		}
		lr.sub, lr.sid = c.Subject, c.SID
	}
	if lr.redirect == "" {
		return lr, true
	}
	cl, ok := p.clients.get(lr.clientID)
	return lr, ok && slices.Contains(cl.Conf.PostLogoutRedirectURIs, lr.redirect)
}

type idClaims struct {
	jwt.Claims
	SID string `json:"sid"`
}

// verifyIDToken checks an ID token's signature against every published
// key (a retiring key's tokens included) and its issuer; expiry is not
// checked, as OIDC allows an expired token as a logout hint.
func (p *Provider) verifyIDToken(raw string) (idClaims, bool) {
	var c idClaims
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil || len(tok.Headers) != 1 {
		return c, false
	}
	k, ok := p.keys.Lookup(tok.Headers[0].KeyID)
	if !ok || k.Alg != tok.Headers[0].Algorithm {
		return c, false
	}
	if err := tok.Claims(k.Private.Public(), &c); err != nil {
		return c, false
	}
	return c, c.Issuer == p.cfg.Issuer
}

// backchannel posts a logout token (OIDC Back-Channel Logout 1.0) to each
// client signed in through the ended session, in parallel, each bounded by
// the HTTP client's timeout. Failures are logged: the user is signed out
// of Seuil whatever the relying parties answer.
func (p *Provider) backchannel(ctx context.Context, s session.Session) {
	done := make(chan struct{}, len(s.Clients))
	n := 0
	for _, id := range s.Clients {
		cl, ok := p.clients.get(id)
		if !ok || cl.Conf.BackchannelLogoutURI == "" {
			continue
		}
		n++
		go func() {
			defer func() { done <- struct{}{} }()
			p.postLogoutToken(ctx, cl, s)
		}()
	}
	for range n {
		<-done
	}
}

// announceExpired is the session manager's OnExpire hook: the browser of
// a timed-out session came back, and its clients are told now, in the
// background (the request that noticed need not wait for them).
func (p *Provider) announceExpired(ctx context.Context, s session.Session) {
	go p.backchannel(context.WithoutCancel(ctx), s)
}

func (p *Provider) postLogoutToken(ctx context.Context, cl *Client, s session.Session) {
	tok, err := p.logoutToken(cl, s)
	if err != nil {
		p.log.ErrorContext(ctx, "logout token", "client", cl.ID, "err", err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.Conf.BackchannelLogoutURI,
		strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		p.log.ErrorContext(ctx, "logout token request", "client", cl.ID, "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.http.Do(req)
	if err != nil {
		p.log.WarnContext(ctx, "back-channel logout failed", "client", cl.ID, "err", err)
		return
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		p.log.WarnContext(ctx, "back-channel logout refused", "client", cl.ID, "status", resp.StatusCode)
		return
	}
	p.log.InfoContext(ctx, "back-channel logout sent", "client", cl.ID, "login", s.Login)
}

// logoutToken signs a logout token: sub, sid and the logout event, never
// a nonce, typed "logout+jwt".
func (p *Provider) logoutToken(cl *Client, s session.Session) (string, error) {
	k, _ := p.keys.For(cl.Conf.SigningAlg)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Alg), Key: jose.JSONWebKey{Key: k.Private, KeyID: k.ID}},
		(&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims := map[string]any{
		"iss": p.cfg.Issuer, "aud": cl.ID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti": websec.Token(), "sub": s.Subject, "sid": s.SID,
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
	return jwt.Signed(sig).Claims(claims).Serialize()
}
