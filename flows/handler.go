// Package flows serves Seuil's self-service flows (activation, reset,
// expired): flow definitions as data, the runner that owns each flow's
// state and transitions, and the HTTP edge that renders the theme's pages
// and turns typed errors into translated messages. The steps themselves
// live in flows/steps.
package flows

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/flows/steps"
	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// SessionStarter starts the SSO session at the end of a flow.
type SessionStarter = flow.SessionStarter

// Landing gives a relying party's landing URL for the done screen.
type Landing = flow.Landing

// Config is the flows' part of Seuil's configuration.
type Config struct {
	// DefinitionsDir holds admin-edited definitions (*.yaml) that replace
	// or add to the embedded ones; empty means embedded only.
	DefinitionsDir string
	// Preview mounts /preview/{page}, every screen with sample data (demo).
	Preview bool
	// HSTS sends Strict-Transport-Security (HTTPS deployments).
	HSTS bool
	// TrustedOrigins may post forms besides the request's own origin.
	TrustedOrigins []string
	// BasePath is the URL prefix Seuil is served under ("/seuil"), which
	// a StripPrefix in front of the handler removes; links and redirects
	// add it back. Empty when served at the root.
	BasePath string
	// LoginPattern is how logins are made, the one setting seuil sync
	// uses too (sync.login_pattern); empty: "{student_id}T".
	LoginPattern string
	// SignInPath is the public path of the sign-in page ("/seuil/login"):
	// a message page with no restart of its own links there, so that no
	// page is a dead end. Empty: no such link.
	SignInPath string
	// PasskeysPath is the passkey ceremonies' public prefix
	// ("/seuil/passkeys"): the done screen offers to create one; empty:
	// passkeys are off.
	PasskeysPath string
}

// Deps are the components the flows use; nil Sessions or Landing turn
// those features off, nil Logger and Clock take defaults.
type Deps struct {
	// PasswordPolicy is the directory's (directory.PolicyReader), read
	// at start; zero: the directory says none.
	PasswordPolicy directory.Policy
	Store          *state.Store
	Regulator      flow.Regulator
	Directory      directory.Directory
	Students       students.Source
	SMS            notify.SMSSender
	Mail           notify.Mailer
	Themes         *themes.Registry // "default" is loaded when absent
	Sessions       SessionStarter
	// Ender ends the other sessions of an active account whose password
	// a flow changes (nil: they run on until they expire).
	Ender          flow.SessionEnder
	Landing        Landing
	Logger         *slog.Logger
	Cookies        websec.Cookies
	TrustedProxies []netip.Prefix
	Clock          func() time.Time
	Registry       flow.Registry // step types; steps.Registry() when nil
	// Trail receives every step's outcome (nil: none).
	Trail *audit.Trail
	// Secret keys the helpdesk codes' HMACs (≥ 16 bytes, shared by the
	// replicas); nil: the helpdesk cannot send codes.
	Secret []byte
	// Deliveries follows the codes still being sent when their screen
	// is shown (*notify.Deferred); nil: sends are never deferred.
	Deliveries flow.Deliveries
	// Managed returns the definitions the console manages (the active
	// version of each, by flow name), loaded over the shipped ones when
	// Config.DefinitionsDir is empty; nil: none.
	Managed func(ctx context.Context) (map[string][]byte, error)
}

// Handler serves the flows; mount it at "/".
type Handler struct {
	cfg    Config
	deps   Deps
	svc    *flow.Services
	routed atomic.Pointer[routed]
}

// routed is one loaded set of definitions and the routes serving them,
// swapped as a whole by Reload.
type routed struct {
	defs   map[string]*Definition
	router chi.Router
}

// flowCookie names the cookie holding the flow id (the "__Host-" prefix
// is added when Secure); the language cookie is themes.LangCookie.
const flowCookie = "seuil_flow"

// New validates the definitions, builds their steps and the routes.
func New(cfg Config, deps Deps) (*Handler, error) {
	if deps.Store == nil || deps.Regulator == nil || deps.Directory == nil ||
		deps.Students == nil || deps.SMS == nil || deps.Mail == nil {
		return nil, fmt.Errorf("flows: Store, Regulator, Directory, Students, SMS and Mail are required")
	}
	cfg.BasePath = strings.TrimSuffix(cfg.BasePath, "/")
	if cfg.BasePath != "" && !strings.HasPrefix(cfg.BasePath, "/") {
		return nil, fmt.Errorf("flows: base path %q must start with /", cfg.BasePath)
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Clock == nil {
		deps.Clock = time.Now
	}
	if deps.Registry == nil {
		deps.Registry = steps.Registry()
	}
	if deps.Themes.Get("default") == nil {
		t, err := themes.Default()
		if err != nil {
			return nil, err
		}
		set := deps.Themes.All()
		set["default"] = t
		if deps.Themes == nil {
			deps.Themes = themes.NewRegistry(set)
		} else {
			deps.Themes.Set(set)
		}
	}
	svc := &flow.Services{Students: deps.Students, Directory: deps.Directory, Regulator: deps.Regulator,
		SMS: deps.SMS, Mail: deps.Mail, Sessions: deps.Sessions, Ender: deps.Ender, Landing: deps.Landing,
		Logger: deps.Logger, Now: deps.Clock, LoginPattern: cfg.LoginPattern, Passkeys: cfg.PasskeysPath,
		Policy: deps.PasswordPolicy, Deliveries: deps.Deliveries}
	if len(deps.Secret) >= 16 {
		svc.HelpdeskCodes = helpdeskCodes{st: deps.Store, secret: deps.Secret}
	}
	h := &Handler{cfg: cfg, deps: deps, svc: svc}
	if err := h.Reload(); err != nil {
		return nil, err
	}
	return h, nil
}

// Reload reads and validates the definitions again (an admin edited
// them) and swaps them in; on error the running ones stay. Flows in
// progress continue with the new definition of their name.
func (h *Handler) Reload() error {
	var managed map[string][]byte
	if h.deps.Managed != nil && h.cfg.DefinitionsDir == "" {
		var err error
		if managed, err = h.deps.Managed(context.Background()); err != nil {
			return fmt.Errorf("flows: the console's definitions: %w", err)
		}
	}
	defs, err := loadDefinitions(h.cfg.DefinitionsDir, managed, h.deps.Registry, h.svc,
		h.deps.Themes.Has)
	if err != nil {
		return err
	}
	router, err := h.routes(defs)
	if err != nil {
		return err
	}
	h.routed.Store(&routed{defs: defs, router: router})
	return nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.routed.Load().router.ServeHTTP(w, r)
}

// Check validates a candidate text of flow name as Reload would load
// it: every problem at once, each with its line and key; and its logins
// must be the deployment's (Config.LoginPattern).
func (h *Handler) Check(name string, raw []byte) error {
	d, err := ParseDefinition(name, raw, h.deps.Registry, h.svc, h.deps.Themes.Has)
	if err != nil {
		return err
	}
	if d.LoginPattern != "" && directory.CanonicalLoginPattern(d.LoginPattern) != directory.CanonicalLoginPattern(h.svc.LoginPattern) {
		return fmt.Errorf("flows.%s: the done step makes logins as %q but the deployment's are %q (sync.login_pattern): one student would get two accounts",
			name, d.LoginPattern, h.svc.LoginPattern)
	}
	return nil
}

// Definitions returns the loaded flow definitions by name.
func (h *Handler) Definitions() map[string]*Definition { return h.routed.Load().defs }

func (h *Handler) routes(defs map[string]*Definition) (chi.Router, error) {
	deny := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.message(w, r, nil, http.StatusForbidden, "error.crossorigin")
	})
	cross, err := websec.CrossOrigin(deny, h.cfg.TrustedOrigins...)
	if err != nil {
		return nil, fmt.Errorf("flows: trusted origins: %w", err)
	}
	r := chi.NewRouter()
	r.Use(websec.Headers(h.cfg.HSTS), cross)
	r.Get("/static/{theme}/*", h.static)
	for _, d := range defs {
		r.Get("/"+d.Name, h.start(d))
		r.Get("/"+d.Name+"/{step}", h.show(d))
		r.Post("/"+d.Name+"/{step}", h.submit(d))
		r.Post("/"+d.Name+"/{step}/check", h.check(d))
	}
	if h.cfg.Preview {
		r.Get("/preview", h.previewIndex)
		r.Get("/preview/{page}", h.preview)
	}
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		h.message(w, r, nil, http.StatusNotFound, "error.notfound")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		h.message(w, r, nil, http.StatusMethodNotAllowed, "error.method")
	})
	return r, nil
}

func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	t := h.deps.Themes.Get(chi.URLParam(r, "theme"))
	if t == nil {
		http.NotFound(w, r)
		return
	}
	http.StripPrefix("/static/"+chi.URLParam(r, "theme"), t.Static()).ServeHTTP(w, r)
}
