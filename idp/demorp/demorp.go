// Package demorp is a demonstration relying party standing in for PJ Web
// (the app where students upload enrolment documents): it signs students
// in with Seuil through the authorization code flow with PKCE, verifies the
// ID token (signature, issuer, audience, expiry, nonce) and shows the
// claims. It is written with the libraries a real relying party would use,
// github.com/coreos/go-oidc and golang.org/x/oauth2, so the demo also
// checks Seuil against an independent client.
package demorp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config configures the demo relying party.
type Config struct {
	// Issuer is Seuil's issuer URL.
	Issuer       string
	ClientID     string
	ClientSecret string
	// BaseURL is the relying party's own public URL, e.g.
	// "http://127.0.0.1:8081"; its redirect URI is BaseURL+"/callback"
	// and its initiate_login_uri BaseURL+"/login/initiate".
	BaseURL string
	// Scopes requested (default openid profile email).
	Scopes []string
}

// rp is the relying party's state: the provider (discovered lazily, so
// the demo can start before Seuil listens), logins in progress and
// signed-in sessions, in memory.
type rp struct {
	cfg Config

	mu       sync.Mutex
	op       *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
	pending  map[string]attempt // by state
	sessions map[string]*signedIn
}

type attempt struct {
	nonce, verifier, target string
	at                      time.Time
}

type signedIn struct {
	Claims  map[string]any
	IDToken string
	SID     string
}

// New returns the relying party's handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.BaseURL == "" {
		return nil, errors.New("demorp: Issuer, ClientID and BaseURL are required")
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	r := &rp{cfg: cfg, pending: map[string]attempt{}, sessions: map[string]*signedIn{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", r.home)
	mux.HandleFunc("GET /static/pjweb.css", stylesheet)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /login", r.login)
	mux.HandleFunc("GET /login/initiate", r.initiate)
	mux.HandleFunc("GET /callback", r.callback)
	mux.HandleFunc("GET /logout", r.logout)
	mux.HandleFunc("POST /backchannel-logout", r.backchannel)
	return mux, nil
}

// provider discovers Seuil on first use and remembers it.
func (r *rp) provider(ctx context.Context) (*oidc.Provider, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.op != nil {
		return r.op, nil
	}
	op, err := oidc.NewProvider(ctx, r.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("demorp: discovery: %w", err)
	}
	r.op = op
	r.verifier = op.Verifier(&oidc.Config{ClientID: r.cfg.ClientID})
	r.oauth = oauth2.Config{ClientID: r.cfg.ClientID, ClientSecret: r.cfg.ClientSecret,
		Endpoint: op.Endpoint(), RedirectURL: r.cfg.BaseURL + "/callback", Scopes: r.cfg.Scopes}
	return op, nil
}

// start sends the browser to Seuil with a new state, nonce and PKCE
// verifier; extra carries prompt=create or login_hint.
func (r *rp) start(w http.ResponseWriter, req *http.Request, target string, extra ...oauth2.AuthCodeOption) {
	if _, err := r.provider(req.Context()); err != nil {
		http.Error(w, "Seuil is not reachable: "+err.Error(), http.StatusBadGateway)
		return
	}
	a := attempt{nonce: oauth2.GenerateVerifier(), verifier: oauth2.GenerateVerifier(), target: target, at: time.Now()}
	state := oauth2.GenerateVerifier()
	r.mu.Lock()
	for k, p := range r.pending { // forget abandoned attempts
		if time.Since(p.at) > 30*time.Minute {
			delete(r.pending, k)
		}
	}
	r.pending[state] = a
	r.mu.Unlock()
	// The state also goes in a cookie, so the callback only completes
	// in the browser that started (login CSRF).
	http.SetCookie(w, &http.Cookie{Name: "pjweb_state", Value: state, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 1800})
	// The page's language goes to Seuil, so that its screens agree.
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.verifier), oidc.Nonce(a.nonce),
		oauth2.SetAuthURLParam("ui_locales", language(w, req))}, extra...)
	http.Redirect(w, req, r.oauth.AuthCodeURL(state, opts...), http.StatusFound)
}

func (r *rp) login(w http.ResponseWriter, req *http.Request) {
	var extra []oauth2.AuthCodeOption
	if req.URL.Query().Get("create") != "" {
		extra = append(extra, oauth2.SetAuthURLParam("prompt", "create"))
	}
	r.start(w, req, "/", extra...)
}

// initiate is the initiate_login_uri (OIDC Core §4): Seuil (or anyone)
// asks us to start a sign-in. Only our issuer is honoured, and only a
// target on our own site.
func (r *rp) initiate(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	if q.Get("iss") != r.cfg.Issuer {
		http.Error(w, "unknown issuer", http.StatusBadRequest)
		return
	}
	target := localTarget(r.cfg.BaseURL, q.Get("target_link_uri"))
	var extra []oauth2.AuthCodeOption
	if hint := q.Get("login_hint"); hint != "" {
		extra = append(extra, oauth2.SetAuthURLParam("login_hint", hint))
	}
	r.start(w, req, target, extra...)
}

// localTarget returns the path of raw when it is on the site at base, and
// "/" otherwise. A path starting "//" or "/\" is a host to browsers,
// whatever Go's url package makes of it.
func localTarget(base, raw string) string {
	b, err1 := url.Parse(base)
	t, err2 := url.Parse(raw)
	if err1 != nil || err2 != nil || t.Scheme != b.Scheme || t.Host != b.Host || t.User != nil {
		return "/"
	}
	p := t.EscapedPath()
	if !strings.HasPrefix(p, strings.TrimSuffix(b.EscapedPath(), "/")+"/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

// Endpoints are the URLs to register for the demo relying party at
// Seuil, given its BaseURL (client configuration of `seuil demo`).
type Endpoints struct {
	RedirectURI, InitiateLoginURI, BackchannelLogoutURI, PostLogoutRedirectURI string
}

// EndpointsFor returns the demo relying party's URLs under base.
func EndpointsFor(base string) Endpoints {
	base = strings.TrimSuffix(base, "/")
	return Endpoints{
		RedirectURI: base + "/callback", InitiateLoginURI: base + "/login/initiate",
		BackchannelLogoutURI: base + "/backchannel-logout", PostLogoutRedirectURI: base + "/",
	}
}
