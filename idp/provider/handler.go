package provider

import (
	"net/http"

	"github.com/seuil-idp/seuil/idp/websec"
)

// Handler serves every provider route, relative to the issuer's path (the
// caller mounts it with http.StripPrefix of that path):
//
//	GET      /.well-known/openid-configuration, /.well-known/oauth-authorization-server
//	GET      /jwks.json
//	GET,POST /oauth2/auth          GET /oauth2/auth/resume?id=
//	GET      /oauth2/form_post.js  (submits the response_mode=form_post page)
//	POST     /oauth2/token         POST /oauth2/revoke   POST /oauth2/introspect
//	GET,POST /userinfo
//	GET,POST /oauth2/logout        (end_session_endpoint; a cross-site POST: 303 to GET)
//	GET,POST /login                (?to=activation, ?to=reset: the flows)
//	GET      /static/<theme>/...
//
// Other methods get 405, HEAD included where GET has an effect (a code,
// a sign-out). The token, userinfo, revocation and introspection
// endpoints answer CORS requests from the clients' allowed origins.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", p.discovery)
	mux.HandleFunc("GET /jwks.json", p.jwks)
	mux.HandleFunc("GET /oauth2/auth", p.authorize)
	mux.HandleFunc("POST /oauth2/auth", p.authorize)
	mux.HandleFunc("GET /oauth2/auth/resume", p.resume)
	mux.HandleFunc("GET "+formPostScript, formPostScriptHandler)
	for path, h := range map[string]http.HandlerFunc{
		"/oauth2/token": p.token, "/oauth2/revoke": p.revoke, "/oauth2/introspect": p.introspect, "/userinfo": p.userinfo,
	} {
		mux.Handle("POST "+path, p.cors(h))
		mux.Handle("OPTIONS "+path, p.cors(nil))
	}
	mux.Handle("GET /userinfo", p.cors(http.HandlerFunc(p.userinfo)))
	// Browser forms refuse cross-origin posts; the token endpoints above
	// are called server to server and are not subject to it.
	forms, _ := websec.CrossOrigin(nil)
	logout := p.logoutEntry(forms)
	mux.Handle("GET /oauth2/logout", logout)
	mux.Handle("POST /oauth2/logout", logout)
	mux.Handle("/login", forms(p.login))
	for _, path := range []string{"/oauth2/auth", "/oauth2/auth/resume", "/oauth2/logout"} {
		mux.HandleFunc("HEAD "+path, methodNotAllowed("GET, POST"))
	}
	p.static(mux)
	return websec.Headers(p.cfg.Session.Cookies.Secure)(mux)
}

// methodNotAllowed answers 405 with the methods that are.
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	}
}

// cors lets the pages of a client's allowed origins call next (a
// single-page app with a public client exchanging its code), and
// answers their preflight requests; nil next serves only preflights.
// Other origins get no CORS header, and a refused preflight.
func (p *Provider) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		w.Header().Add("Vary", "Origin")
		allowed := origin != "" && p.clients.originAllowed(origin)
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", "WWW-Authenticate")
		}
		if r.Method == http.MethodOptions {
			if !allowed {
				http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
				return
			}
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// static serves each theme's files under /static/<name>/.
func (p *Provider) static(mux *http.ServeMux) {
	// Looked up on each request: the console may put a theme in service
	// (or a draft to preview) after the routes are made.
	mux.Handle("GET /static/{theme}/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("theme")
		t := p.deps.Themes.Get(name)
		if t == nil && p.deps.Theme != nil && p.deps.Theme.Name == name {
			t = p.deps.Theme
		}
		if t == nil {
			http.NotFound(w, r)
			return
		}
		http.StripPrefix("/static/"+name+"/", t.Static()).ServeHTTP(w, r)
	}))
}
