package provider

import (
	"net/http"
	"slices"

	"github.com/ory/fosite"
)

// precheck refuses, with an error page and never a redirect, requests
// whose client or redirect URI cannot be trusted, and oversized or
// duplicated parameters. It returns a message key and the client ID.
func (p *Provider) precheck(r *http.Request) (string, string) {
	if len(r.URL.RawQuery) > maxAuthorizeQuery || r.ContentLength > maxAuthorizeQuery {
		return "oidc.error.request", ""
	}
	// A chunked body has no ContentLength to check: bound the reading.
	r.Body = http.MaxBytesReader(nil, r.Body, maxAuthorizeQuery)
	if err := r.ParseForm(); err != nil {
		return "oidc.error.request", ""
	}
	for _, v := range r.Form {
		if len(v) > 1 {
			return "oidc.error.request", ""
		}
	}
	// Request objects are not supported (discovery says so); fosite
	// would process them for clients that have keys.
	if r.Form.Has("request") || r.Form.Has("request_uri") {
		return "oidc.error.request", ""
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
