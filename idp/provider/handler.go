package provider

import (
	"net/http"

	"github.com/seuil-idp/seuil/idp/websec"
)

// Handler serves every provider route, relative to the issuer's path (the
// caller mounts it with http.StripPrefix of that path):
//
//	GET      /.well-known/openid-configuration
//	GET      /jwks.json
//	GET,POST /oauth2/auth          GET /oauth2/auth/resume?id=
//	GET      /oauth2/form_post.js  (submits the response_mode=form_post page)
//	POST     /oauth2/token         POST /oauth2/revoke   POST /oauth2/introspect
//	GET,POST /userinfo
//	GET,POST /oauth2/logout        (end_session_endpoint; a cross-site POST: 303 to GET)
//	GET,POST /login                (?to=activation, ?to=reset: the flows)
//	GET      /static/<theme>/...
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks.json", p.jwks)
	mux.HandleFunc("GET /oauth2/auth", p.authorize)
	mux.HandleFunc("POST /oauth2/auth", p.authorize)
	mux.HandleFunc("GET /oauth2/auth/resume", p.resume)
	mux.HandleFunc("GET "+formPostScript, formPostScriptHandler)
	mux.HandleFunc("POST /oauth2/token", p.token)
	mux.HandleFunc("POST /oauth2/revoke", p.revoke)
	mux.HandleFunc("POST /oauth2/introspect", p.introspect)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	mux.HandleFunc("POST /userinfo", p.userinfo)
	// Browser forms refuse cross-origin posts; the token endpoints above
	// are called server to server and are not subject to it.
	forms, _ := websec.CrossOrigin(nil)
	mux.Handle("/oauth2/logout", p.logoutEntry(forms))
	mux.Handle("/login", forms(p.login))
	p.static(mux)
	return websec.Headers(p.cfg.Session.Cookies.Secure)(mux)
}

// static serves each theme's files under /static/<name>/.
func (p *Provider) static(mux *http.ServeMux) {
	seen := map[string]bool{}
	for _, th := range append([]*themeRef{{p.deps.Theme.Name, p.deps.Theme.Static()}}, p.themeRefs()...) {
		if seen[th.name] {
			continue
		}
		seen[th.name] = true
		prefix := "/static/" + th.name + "/"
		mux.Handle("GET "+prefix, http.StripPrefix(prefix, th.h))
	}
}

type themeRef struct {
	name string
	h    http.Handler
}

func (p *Provider) themeRefs() []*themeRef {
	var out []*themeRef
	for _, t := range p.deps.Themes {
		out = append(out, &themeRef{t.Name, t.Static()})
	}
	return out
}
