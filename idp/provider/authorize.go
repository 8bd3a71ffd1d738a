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

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// maxAuthorizeQuery bounds an authorization request: the largest
// legitimate one (scopes, state, nonce, PKCE challenge, hints) is far below.
const maxAuthorizeQuery = 4096

// authorize answers an authorization request received now.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	p.answer(w, r, time.Now().UTC(), "")
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
	r2 := r.Clone(r.Context())
	r2.Method, r2.Body, r2.Form, r2.PostForm = http.MethodGet, http.NoBody, nil, nil
	r2.URL.RawQuery = pend.Query
	p.answer(w, r2, pend.RequestedAt, id)
}

// answer runs the authorization request: from the session when it
// satisfies the request, else through the sign-in page or the activation
// flow, which come back to resume. pendingID is set when resuming.
func (p *Provider) answer(w http.ResponseWriter, r *http.Request, requestedAt time.Time, pendingID string) {
	ctx := r.Context()
	if key, clientID := p.precheck(r); key != "" {
		p.errorPage(w, r, clientID, http.StatusBadRequest, key)
		return
	}
	ar, err := p.oauth.NewAuthorizeRequest(ctx, r)
	if err != nil {
		p.authorizeError(w, r, ar, err)
		return
	}
	cl := ar.GetClient().(*Client)
	form := ar.GetRequestForm()
	prompts := strings.Fields(form.Get("prompt"))
	if slices.Contains(prompts, "create") && pendingID == "" {
		p.toFlow(w, r, ar, requestedAt, "activation")
		return
	}
	sess, err := p.sessions.Current(ctx, r)
	var acct directory.Account
	if err == nil {
		acct, err = p.deps.Directory.FindByLogin(ctx, sess.Login)
	}
	if err != nil && !errors.Is(err, session.ErrNoSession) && !errors.Is(err, directory.ErrNotFound) {
		p.authorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	if err != nil || !fresh(sess, form, prompts, requestedAt, pendingID != "") {
		if slices.Contains(prompts, "none") {
			p.authorizeError(w, r, ar, fosite.ErrLoginRequired)
			return
		}
		id := pendingID
		if id == "" {
			if id, err = p.putPending(r, ar, requestedAt); err != nil {
				p.authorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
				return
			}
		}
		http.Redirect(w, r, p.base+"/login?id="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	for _, s := range ar.GetRequestedScopes() {
		ar.GrantScope(s)
	}
	resp, err := p.oauth.NewAuthorizeResponse(withAlg(ctx, cl.Conf.SigningAlg), ar, p.oidcSession(sess, acct, ar, cl, requestedAt))
	if err != nil {
		p.authorizeError(w, r, ar, err)
		return
	}
	if err := p.sessions.AddClient(ctx, r, cl.GetID()); err != nil {
		p.log.WarnContext(ctx, "record client in session", "client", cl.GetID(), "err", err)
	}
	if pendingID != "" {
		_ = p.sessions.DeletePending(ctx, pendingID)
	}
	p.log.InfoContext(ctx, "authorization granted", "client", cl.GetID(), "login", sess.Login)
	p.oauth.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// fresh reports whether the session satisfies prompt=login (a sign-in
// after the request was received: only a resumed request can) and max_age.
func fresh(s session.Session, form url.Values, prompts []string, requestedAt time.Time, resumed bool) bool {
	if slices.Contains(prompts, "login") && (!resumed || s.AuthTime.Before(requestedAt.Truncate(time.Second))) {
		return false
	}
	if ma := form.Get("max_age"); ma != "" {
		n, err := strconv.Atoi(ma)
		if err == nil && n >= 0 && time.Since(s.AuthTime) > time.Duration(n)*time.Second {
			return false
		}
	}
	return true
}

func (p *Provider) oidcSession(s session.Session, a directory.Account, ar fosite.AuthorizeRequester, cl *Client, requestedAt time.Time) *openid.DefaultSession {
	os := openid.NewDefaultSession()
	os.Subject, os.Username = s.Subject, s.Login
	c := os.Claims
	c.Subject = s.Subject
	c.AuthTime = s.AuthTime
	c.RequestedAt = requestedAt.Truncate(time.Second)
	c.AuthenticationMethodsReferences = s.AMR
	c.AuthenticationContextClassReference = "urn:seuil:acr:password"
	c.Extra = userClaims(a, ar.GetGrantedScopes(), cl.Conf)
	c.Extra["sid"] = s.SID
	return os
}

func (p *Provider) putPending(r *http.Request, ar fosite.AuthorizeRequester, requestedAt time.Time) (string, error) {
	form := ar.GetRequestForm()
	return p.sessions.PutPending(r.Context(), session.Pending{
		Query: form.Encode(), RequestedAt: requestedAt, ClientID: ar.GetClient().GetID(),
		LoginHint: form.Get("login_hint"), Lang: uiLocale(form.Get("ui_locales")),
	})
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
	id, err := p.putPending(r, ar, requestedAt)
	if err != nil {
		p.authorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	ticket := websec.Token()
	h := state.Handover{Flow: flow, ClientID: ar.GetClient().GetID(),
		Continue: p.base + "/oauth2/auth/resume?id=" + url.QueryEscape(id), Lang: uiLocale(ar.GetRequestForm().Get("ui_locales"))}
	if err := p.deps.Store.PutHandover(r.Context(), ticket, h); err != nil {
		p.authorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	http.Redirect(w, r, session.FlowURL(p.cfg.FlowsPath, flow, ticket), http.StatusSeeOther)
}

// precheck refuses, with an error page and never a redirect, requests
// whose client or redirect URI cannot be trusted, and oversized or
// duplicated parameters. It returns a message key and the client ID.
func (p *Provider) precheck(r *http.Request) (string, string) {
	if len(r.URL.RawQuery) > maxAuthorizeQuery || r.ContentLength > maxAuthorizeQuery {
		return "oidc.error.request", ""
	}
	if err := r.ParseForm(); err != nil {
		return "oidc.error.request", ""
	}
	for _, v := range r.Form {
		if len(v) > 1 {
			return "oidc.error.request", ""
		}
	}
	id := r.Form.Get("client_id")
	cl, ok := p.clients.get(id)
	if !ok {
		return "oidc.error.client", ""
	}
	if !slices.Contains(cl.Conf.RedirectURIs, r.Form.Get("redirect_uri")) {
		return "oidc.error.redirect", id
	}
	return "", id
}

// authorizeError redirects the error to the client when the redirect URI
// was validated, and shows the error page otherwise.
func (p *Provider) authorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	p.log.InfoContext(r.Context(), "authorization refused", "err", fosite.ErrorToRFC6749Error(err).ErrorField,
		"hint", fosite.ErrorToRFC6749Error(err).HintField)
	if ar == nil || !ar.IsRedirectURIValid() {
		p.errorPage(w, r, "", http.StatusBadRequest, "oidc.error.request")
		return
	}
	p.oauth.WriteAuthorizeError(r.Context(), w, ar, err)
}
