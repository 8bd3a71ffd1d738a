package provider

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ory/fosite"
)

// precheck vets an authorization request before fosite sees it, and
// answers it when it must be refused. A request whose client or
// redirect URI cannot be trusted gets an error page, never a redirect
// (OAuth 2.0 §4.1.2.1). Once both are known good, other faults go back to
// the relying party as OAuth errors at its redirect URI: request objects
// (request_not_supported, request_uri_not_supported) and repeated
// parameters (invalid_request). It also narrows the requested scopes to
// those the client may have, so that an unknown or unallowed scope is
// dropped rather than failing the sign-in (OIDC Core §3.1.2.1: scope
// values that are not understood are ignored). It reports whether the
// request may go on.
func (p *Provider) precheck(w http.ResponseWriter, r *http.Request) bool {
	if len(r.URL.RawQuery) > maxAuthorizeQuery || r.ContentLength > maxAuthorizeQuery {
		p.errorPage(w, r, "", http.StatusBadRequest, "oidc.error.request")
		return false
	}
	// A chunked body has no ContentLength to check: bound the reading.
	r.Body = http.MaxBytesReader(nil, r.Body, maxAuthorizeQuery)
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, "", http.StatusBadRequest, "oidc.error.request")
		return false
	}
	if len(r.Form["client_id"]) > 1 || len(r.Form["redirect_uri"]) > 1 {
		p.errorPage(w, r, "", http.StatusBadRequest, "oidc.error.request")
		return false
	}
	id := r.Form.Get("client_id")
	cl, ok := p.clients.get(id)
	if !ok {
		p.log.WarnContext(r.Context(), "authorization request for an unknown client", "client", id)
		p.errorPage(w, r, "", http.StatusBadRequest, "oidc.error.client")
		return false
	}
	uri := r.Form.Get("redirect_uri")
	if !cl.redirectAllowed(uri) {
		p.log.WarnContext(r.Context(), "authorization request with an unregistered redirect_uri", "client", id,
			"redirect_uri", uri, "nearest_registered", nearest(uri, cl.Conf.RedirectURIs))
		p.errorPage(w, r, id, http.StatusBadRequest, "oidc.error.redirect")
		return false
	}
	if err := unsupportedParams(r.Form); err != nil {
		p.redirectError(w, r, cl, err)
		return false
	}
	if r.Form.Get("state") == "" {
		r.Form.Set("state", noState)
	}
	if r.Form.Has("scope") {
		r.Form.Set("scope", strings.Join(cl.allowedScopes(r.Form.Get("scope")), " "))
	}
	return true
}

// noState stands for an absent state while fosite handles the request
// (fosite requires one; OAuth does not), and is removed from the response
// (issWriter, formPostTemplate).
const noState = "-seuil-no-state-"

// unsupportedParams returns the OAuth error for parameters Seuil refuses
// once the redirect URI is trusted. Request objects are not supported
// (discovery says so); fosite would process them for clients with keys.
func unsupportedParams(f url.Values) error {
	for k, v := range f {
		if len(v) > 1 {
			return fosite.ErrInvalidRequest.WithHintf("The parameter '%s' is repeated.", k)
		}
	}
	switch {
	case f.Has("request"):
		return fosite.ErrRequestNotSupported.WithHint("Request objects are not supported.")
	case f.Has("request_uri"):
		return fosite.ErrRequestURINotSupported.WithHint("request_uri is not supported.")
	}
	return nil
}

// redirectError sends err to the client's (validated) redirect URI in the
// requested response mode, with state and iss, before fosite has parsed
// the request.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, cl *Client, err error) {
	u, _ := url.Parse(r.Form.Get("redirect_uri"))
	ar := fosite.NewAuthorizeRequest()
	ar.Client, ar.RedirectURI, ar.Form = cl, u, r.Form
	ar.State = r.Form.Get("state")
	if ar.State == "" {
		ar.State = noState
	}
	ar.ResponseMode = fosite.ResponseModeQuery
	if r.Form.Get("response_mode") == string(fosite.ResponseModeFormPost) {
		ar.ResponseMode = fosite.ResponseModeFormPost
	}
	p.authorizeError(w, r, ar, err)
}

// redirectAllowed matches a redirect URI exactly against the client's.
// A native client (RFC 8252 §7.3) registered with a loopback IP literal
// may use any port: the app listens on whatever port it gets.
func (c *Client) redirectAllowed(uri string) bool {
	if slices.Contains(c.Conf.RedirectURIs, uri) {
		return true
	}
	if !c.Conf.Native {
		return false
	}
	u, err := url.Parse(uri)
	if err != nil || !loopbackIP(u) {
		return false
	}
	for _, reg := range c.Conf.RedirectURIs {
		ru, err := url.Parse(reg)
		if err == nil && loopbackIP(ru) && ru.Hostname() == u.Hostname() &&
			ru.Path == u.Path && ru.RawQuery == u.RawQuery && u.Fragment == "" {
			return true
		}
	}
	return false
}

// loopbackIP: http on 127.0.0.1 or [::1] (RFC 8252 §7.3 advises against
// "localhost", which may resolve elsewhere).
func loopbackIP(u *url.URL) bool {
	ip := net.ParseIP(u.Hostname())
	return u.Scheme == "http" && ip != nil && ip.IsLoopback() && u.User == nil
}

// allowedScopes keeps the requested scopes the client is allowed, in
// their order, once each.
func (c *Client) allowedScopes(requested string) []string {
	var out []string
	for _, s := range strings.Fields(requested) {
		if slices.Contains(c.Conf.Scopes, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// nearest is the registered URI that shares the longest prefix with
// uri, for the administrator's log (never shown to the browser).
func nearest(uri string, registered []string) string {
	best, n := "", -1
	for _, reg := range registered {
		k := 0
		for k < len(reg) && k < len(uri) && reg[k] == uri[k] {
			k++
		}
		if k > n {
			best, n = reg, k
		}
	}
	return best
}

// authorizeError redirects the error to the client when the redirect URI
// was validated, and shows the error page otherwise.
func (p *Provider) authorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	e := fosite.ErrorToRFC6749Error(err)
	client := ""
	if ar != nil && ar.GetClient() != nil {
		client = ar.GetClient().GetID()
	}
	p.log.InfoContext(r.Context(), "authorization refused", "client", client, "err", e.ErrorField, "hint", e.HintField)
	if ar == nil || !ar.IsRedirectURIValid() {
		p.errorPage(w, r, "", http.StatusBadRequest, "oidc.error.request")
		return
	}
	p.oauth.WriteAuthorizeError(r.Context(), withIss(w, p.cfg.Issuer), ar, err)
}
