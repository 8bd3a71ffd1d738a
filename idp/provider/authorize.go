package provider

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/provider/fositestore"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// maxAuthorizeQuery bounds an authorization request: the largest
// legitimate one (scopes, state, nonce, PKCE challenge, hints) is far below.
const maxAuthorizeQuery = 4096

// authorize answers an authorization request received now. A POSTed
// request comes from a relying party's page, cross-site: the SameSite=Lax
// SSO cookie does not come with it, so, once its client and redirect URI
// are known good, it is answered with the same request by GET (a
// top-level navigation, which carries the cookie).
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if !p.precheck(w, r) {
			return
		}
		http.Redirect(w, r, p.base+"/oauth2/auth?"+r.Form.Encode(), http.StatusSeeOther)
		return
	}
	p.answer(w, r, time.Now().UTC(), "", nil)
}

// resume answers a pending authorization request once the user has signed
// in or finished a self-service flow (the handover's Continue URL).
func (p *Provider) resume(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	pend, err := p.sessions.GetPending(r.Context(), id)
	if err != nil {
		p.errorPage(w, r, "", http.StatusBadRequest, "oidc.error.expired")
		return
	}
	p.answer(w, pendingRequest(r, pend), pend.RequestedAt, id, nil)
}

// answerSignedIn answers pending request id in the response to the
// sign-in that made session s (the browser's request has no cookie of
// it yet) for acct, as the sign-in found it.
func (p *Provider) answerSignedIn(w http.ResponseWriter, r *http.Request, id string, pend session.Pending, s session.Session, acct directory.Account) {
	p.answer(w, pendingRequest(r, pend), pend.RequestedAt, id, &signedIn{s, acct})
}

// pendingRequest is r turned into the GET of pend's authorization
// request.
func pendingRequest(r *http.Request, pend session.Pending) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Method, r2.Body, r2.Form, r2.PostForm = http.MethodGet, http.NoBody, nil, nil
	r2.URL.RawQuery = pend.Query
	return r2
}

// signedIn is a session and its account, known without a read.
type signedIn struct {
	session session.Session
	account directory.Account
}

// answer runs the authorization request: from the session when it
// satisfies the request, else through the sign-in page or the activation
// flow, which come back to resume. pendingID is set when resuming; known
// when the session was made in this very request.
func (p *Provider) answer(w http.ResponseWriter, r *http.Request, requestedAt time.Time, pendingID string, known *signedIn) {
	ctx := r.Context()
	if !p.precheck(w, r) {
		return
	}
	ar, err := p.oauth.NewAuthorizeRequest(ctx, r)
	if err == nil {
		err = p.checkRequest(ar)
	}
	if err != nil {
		p.authorizeError(w, r, ar, err)
		return
	}
	cl := ar.GetClient().(*Client)
	form := ar.GetRequestForm()
	prompts := strings.Fields(form.Get("prompt"))
	if slices.Contains(prompts, "consent") {
		// Said, not silent: discovery lists consent, the README says why.
		p.log.InfoContext(ctx, "prompt=consent answered without a consent screen (a first-party client)", "client", cl.GetID())
	}
	if slices.Contains(prompts, "create") && pendingID == "" {
		p.toFlow(w, r, ar, requestedAt, "activation")
		return
	}
	var (
		sess session.Session
		acct directory.Account
		ok   = known != nil
	)
	if ok {
		sess, acct = known.session, known.account
	} else if sess, acct, ok, err = p.signedIn(r); err != nil {
		p.authorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	if !ok || !fresh(sess, form, prompts, requestedAt, pendingID != "") {
		p.toLogin(w, r, ar, prompts, requestedAt, pendingID)
		return
	}
	p.grant(w, r, ar, cl, sess, acct, requestedAt, pendingID)
}

// signedIn returns the browser's session and its account; ok is false
// when there is none (or the account is gone, locked or another's).
func (p *Provider) signedIn(r *http.Request) (session.Session, directory.Account, bool, error) {
	sess, err := p.sessions.Current(r.Context(), r)
	if errors.Is(err, session.ErrNoSession) {
		return sess, directory.Account{}, false, nil
	}
	if err != nil {
		return sess, directory.Account{}, false, err
	}
	acct, err := p.deps.Directory.FindByLogin(r.Context(), sess.Login)
	if errors.Is(err, directory.ErrNotFound) || err == nil && (acct.State == directory.StateLocked || acct.Subject != sess.Subject) {
		// Locked since the sign-in (a student who left), or the login
		// given to someone else: the session no longer signs anyone in.
		return sess, acct, false, nil
	}
	return sess, acct, err == nil, err
}

// toLogin parks the request and answers with the sign-in page, or
// answers login_required to prompt=none. A request parked before (back
// from a flow) is sent to the sign-in page.
func (p *Provider) toLogin(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, prompts []string, requestedAt time.Time, pendingID string) {
	if slices.Contains(prompts, "none") {
		p.authorizeError(w, r, ar, fosite.ErrLoginRequired)
		return
	}
	if pendingID != "" {
		http.Redirect(w, r, p.base+"/login?id="+url.QueryEscape(pendingID), http.StatusSeeOther)
		return
	}
	pend := p.pending(ar, requestedAt)
	id, err := p.putPending(r, pend)
	if err != nil {
		p.pendingError(w, r, ar, err)
		return
	}
	p.login.ShowFor(w, r, id, pend)
}

// grant issues the code from the session and records the client in it
// (for back-channel logout).
func (p *Provider) grant(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, cl *Client,
	sess session.Session, acct directory.Account, requestedAt time.Time, pendingID string) {
	// The code and its two companions are held, and sent in one round
	// trip with the pending request's deletion.
	ctx := fositestore.ForRequest(r.Context())
	for _, s := range ar.GetRequestedScopes() {
		ar.GrantScope(s)
	}
	resp, err := p.oauth.NewAuthorizeResponse(withAlg(ctx, cl.Conf.SigningAlg), ar, p.oidcSession(sess, acct, ar, cl, requestedAt))
	if err == nil {
		err = p.tokens.Flush(ctx, true, func(b *state.Batch) {
			if pendingID != "" {
				session.DeletePendingIn(b, pendingID)
			}
		})
	} else {
		_ = p.tokens.Flush(ctx, false, nil)
	}
	if err != nil {
		p.authorizeError(w, r, ar, err)
		return
	}
	// A client already in the session (every SSO sign-in after the
	// first) costs no write: the session's read above said so.
	first := !slices.Contains(sess.Clients, cl.GetID())
	if first {
		if err := p.sessions.AddClient(ctx, r, cl.GetID()); err != nil {
			p.log.WarnContext(ctx, "record client in session", "client", cl.GetID(), "err", err)
		}
	}
	if sess.Flow != "" && first && p.deps.Trail != nil {
		// The student a flow signed in reaches this relying party for
		// the first time: the campaign's last stage.
		_ = p.deps.Trail.Record(ctx, audit.Event{Kind: audit.KindLanded, Outcome: "ok", Flow: sess.Flow,
			Login: sess.Login, Detail: cl.GetID()})
	}
	p.log.InfoContext(ctx, "authorization granted", "client", cl.GetID(), "login", sess.Login)
	p.oauth.WriteAuthorizeResponse(ctx, withIss(w, p.cfg.Issuer), ar, resp)
}

// fresh reports whether the session satisfies prompt=login (a sign-in
// after the request was received: only a resumed request can) and max_age.
// A sign-in made for this very request satisfies any max_age: without
// that, max_age=0 (a common way of asking for a new sign-in) would send
// the user back to the sign-in page forever.
func fresh(s session.Session, form url.Values, prompts []string, requestedAt time.Time, resumed bool) bool {
	forThis := resumed && !s.AuthTime.Before(requestedAt.Truncate(time.Second))
	if forThis {
		return true
	}
	// select_account: Seuil keeps one account per browser, so choosing
	// another is signing in again.
	if slices.Contains(prompts, "login") || slices.Contains(prompts, "select_account") {
		return false
	}
	if ma := form.Get("max_age"); ma != "" {
		n, _ := strconv.Atoi(ma) // checked by checkRequest
		if time.Since(s.AuthTime) > time.Duration(n)*time.Second {
			return false
		}
	}
	return true
}

// checkRequest adds Seuil's rules to fosite's: PKCE for every client but
// those registered without it (RFC 9700 §2.1.1, OAuth 2.1), and a
// max_age that is a number of seconds.
func (p *Provider) checkRequest(ar fosite.AuthorizeRequester) error {
	form := ar.GetRequestForm()
	cl := ar.GetClient().(*Client)
	if form.Get("code_challenge") == "" && !cl.Conf.PKCEOptional {
		return fosite.ErrInvalidRequest.WithHint("PKCE is required: send code_challenge and code_challenge_method=S256.")
	}
	if ma := form.Get("max_age"); ma != "" {
		if n, err := strconv.Atoi(ma); err != nil || n < 0 {
			return fosite.ErrInvalidRequest.WithHint("max_age must be a non-negative number of seconds.")
		}
	}
	return nil
}

func (p *Provider) oidcSession(s session.Session, a directory.Account, ar fosite.AuthorizeRequester, cl *Client, requestedAt time.Time) *openid.DefaultSession {
	os := openid.NewDefaultSession()
	os.Subject, os.Username = s.Subject, s.Login
	c := os.Claims
	c.Subject = s.Subject
	c.AuthTime = s.AuthTime
	c.RequestedAt = requestedAt.Truncate(time.Second)
	c.AuthenticationMethodsReferences = s.AMR
	c.AuthenticationContextClassReference = acrOf(s.AMR)
	c.Extra = userClaims(a, ar.GetGrantedScopes(), cl.Conf)
	c.Extra["sid"] = s.SID
	return os
}

func (p *Provider) putPending(r *http.Request, pend session.Pending) (string, error) {
	// Each parked request is stored for a while: bound what one address
	// can make the server store, as for a new flow.
	if p.deps.Limiter != nil {
		ip := regulation.IPKey(websec.ClientIP(r, p.deps.TrustedProxies))
		if err := p.deps.Limiter.HitAll(r.Context(), regulation.Target{Rule: regulation.FlowStartPerIP, Key: ip}); err != nil {
			return "", err
		}
	}
	return p.sessions.PutPending(r.Context(), pend)
}

// pending is ar parked, to be answered once the user has signed in.
func (p *Provider) pending(ar fosite.AuthorizeRequester, requestedAt time.Time) session.Pending {
	form := ar.GetRequestForm()
	return session.Pending{
		Query: form.Encode(), RequestedAt: requestedAt, ClientID: ar.GetClient().GetID(),
		LoginHint: form.Get("login_hint"), Lang: uiLocale(form.Get("ui_locales")),
	}
}

// pendingError answers a request that could not be parked: a themed
// "too many attempts" page when the address is over its limit, else a
// server error for the relying party.
func (p *Provider) pendingError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	if errors.Is(err, regulation.ErrLimited) {
		p.errorPage(w, r, ar.GetClient().GetID(), http.StatusTooManyRequests, "login.error.limited")
		return
	}
	p.authorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
}

// uiLocale returns the first of the client's ui_locales Seuil speaks.
func uiLocale(list string) string {
	for _, tag := range strings.Fields(list) {
		l := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		if slices.Contains(themes.Languages, l) {
			return l
		}
	}
	return ""
}

// toFlow parks the authorization request and hands the browser to a
// self-service flow (prompt=create: activation), which sends it back to
// resume once StartSession has been called.
func (p *Provider) toFlow(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, requestedAt time.Time, flow string) {
	id, err := p.putPending(r, p.pending(ar, requestedAt))
	if err != nil {
		p.pendingError(w, r, ar, err)
		return
	}
	h := state.Handover{Flow: flow, ClientID: ar.GetClient().GetID(), Theme: p.themeFor(ar.GetClient().GetID()).Name,
		Continue: p.base + "/oauth2/auth/resume?id=" + url.QueryEscape(id), Lang: uiLocale(ar.GetRequestForm().Get("ui_locales"))}
	if err := session.Handover(w, r, p.deps.Store, p.cfg.Session.Cookies, p.cfg.FlowsPath, h); err != nil {
		p.authorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
	}
}
