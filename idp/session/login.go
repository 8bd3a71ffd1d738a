package session

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// Authenticator checks a login and password (directory.Directory has it).
type Authenticator interface {
	Authenticate(ctx context.Context, login, password string) (directory.Account, error)
}

// Limiter is the part of idp/regulation (*regulation.Regulator) the
// sign-in page uses: Checks reads the limits (an error when a target has
// no attempt left), HitAll counts a failed attempt, Turns keeps parallel
// attempts from all passing the check before any is counted, and Limit
// says how large the address's budget is.
type Limiter interface {
	Limit(rule regulation.Rule) (regulation.Limit, bool)
	Checks(ctx context.Context, targets ...regulation.Target) ([]regulation.Decision, error)
	HitAll(ctx context.Context, targets ...regulation.Target) error
	TurnsChecked(ctx context.Context, targets []regulation.Target, holds ...regulation.Hold) (release func(), held []int, ds []regulation.Decision, checkErr, err error)
}

// Paths tells the sign-in page where things are, as public paths (the
// issuer's path prefix included).
type Paths struct {
	Login  string // the sign-in page, e.g. "/seuil/login"
	Resume string // resumes a pending authorization: Resume+"?id=<id>"
	Flows  string // prefix of the self-service flows: Flows+"/activation"
	Static string // prefix of theme static files: Static+"/<theme>"
	// Console, if set, is the staff console's prefix ("/seuil/admin/"):
	// a sign-in with ?next= under it returns there.
	Console string
	// Passkeys, if set, is the passkeys' prefix ("/seuil/passkeys"): the
	// page offers them. Account is "Mon compte" ("/seuil/account"), a
	// ?next= the sign-in returns to as well.
	Passkeys, Account string
}

// ThemeFor picks the theme of a client ("" for the default).
type ThemeFor func(clientID string) *themes.Theme

// Login serves the sign-in page and the links to the self-service flows.
type Login struct {
	m       *Manager
	auth    Authenticator
	lim     Limiter
	themes  ThemeFor
	paths   Paths
	proxies []netip.Prefix
	log     *slog.Logger
	// clientName is the name shown for a relying party ("to continue to
	// PJ Web"); nil or "" shows none.
	clientName func(clientID string) string
	shape      Shape
	trail      *audit.Trail
	answer     Answer
}

// Answer answers pending authorization request id (p) for the account
// just signed in (s, acct), in the sign-in's own response.
type Answer func(w http.ResponseWriter, r *http.Request, id string, p Pending, s Session, acct directory.Account)

// AnswerWith makes a sign-in for a pending authorization request answer
// it at once, instead of redirecting to Paths.Resume: the browser is
// spared a redirect, and the provider a read of the request and of the
// session, and a directory search for the account the sign-in has just
// found.
func (l *Login) AnswerWith(a Answer) { l.answer = a }

// AuditTo sends sign-in successes and failures to the audit trail.
func (l *Login) AuditTo(t *audit.Trail) { l.trail = t }

// ExpectLogins tells the sign-in page the form of students' logins.
func (l *Login) ExpectLogins(s Shape) { l.shape = s }

// ShowClientNames makes the sign-in page say which relying party the
// student is signing in to.
func (l *Login) ShowClientNames(name func(clientID string) string) { l.clientName = name }

// NewLogin returns the sign-in page handlers. lim may be nil (no limits:
// tests only). proxies are the reverse proxies whose X-Forwarded-For is
// believed.
func NewLogin(m *Manager, auth Authenticator, lim Limiter, th ThemeFor, paths Paths, proxies []netip.Prefix) *Login {
	return &Login{m: m, auth: auth, lim: lim, themes: th, paths: paths, proxies: proxies, log: m.log}
}

const csrfCookie = "seuil_login_csrf"

// form is what the sign-in template shows.
type form struct {
	Action, Pending, Login, Error string
	Next                          string // a local page to return to (the console)
	Example                       string // the login of the expected form (login.error.shape)
	Client                        string // the relying party's name, if known
	ActivateURL, ResetURL         string
	// Passkeys is the passkey ceremonies' prefix ("/seuil/passkeys"),
	// empty when passkeys are off: the page then offers none.
	Passkeys string
	lang     string // the client's ui_locales choice
}

// ServeHTTP serves GET (the form) and POST (a sign-in attempt) on the
// sign-in page.
func (l *Login) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	websec.NoStore(w)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		// The links to the flows stay under /login (?to=), the one path
		// the provider needs routed for its pages.
		if to := r.URL.Query().Get("to"); to == "activation" || to == "reset" {
			l.toFlow(w, r, to)
			return
		}
		if t := r.URL.Query().Get("grace"); t != "" && l.showGrace(w, r, t) {
			return
		}
		p, id := l.pending(r)
		l.render(w, r, p.ClientID, http.StatusOK, form{Pending: id, Login: p.LoginHint, lang: p.Lang, Next: l.localNext(r.URL.Query().Get("next"))})
	case http.MethodPost:
		l.post(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	}
}

// ShowFor answers r, the authorization request just parked as p under
// id, with the sign-in page itself: the page a redirect would lead to,
// its links and form the same, without the redirect (a round trip of
// the student's phone) nor the request's read.
func (l *Login) ShowFor(w http.ResponseWriter, r *http.Request, id string, p Pending) {
	websec.NoStore(w)
	page := r.Clone(r.Context())
	page.URL = &url.URL{Path: l.paths.Login, RawQuery: url.Values{"id": {id}}.Encode()}
	l.render(w, page, p.ClientID, http.StatusOK, form{Pending: id, Login: p.LoginHint, lang: p.Lang})
}

// pending returns the pending authorization named by ?id= (or the form),
// or a zero value when there is none.
func (l *Login) pending(r *http.Request) (Pending, string) {
	id := r.FormValue("id")
	if id == "" {
		return Pending{}, ""
	}
	p, err := l.m.GetPending(r.Context(), id)
	if err != nil {
		return Pending{}, ""
	}
	return p, id
}

func (l *Login) post(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// A sign-in form is a few hundred bytes; a larger body is refused as
	// such, not taken for an expired form (its token unread).
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		l.render(w, r, "", http.StatusRequestEntityTooLarge, form{Error: "login.error.badform"})
		return
	}
	p, id := l.pending(r)
	login := strings.TrimSpace(r.PostFormValue("login"))
	back := form{Pending: id, Login: login, Next: l.localNext(r.PostFormValue("next"))}
	tok, ok := l.m.cfg.Cookies.Get(r, csrfCookie)
	if !ok || !websec.Equal(tok, r.PostFormValue("csrf")) {
		back.Error = "login.error.expired"
		l.render(w, r, p.ClientID, http.StatusBadRequest, back)
		return
	}
	switch {
	case login == "":
		back.Error = "login.error.empty_login"
	case r.PostFormValue("password") == "":
		back.Error = "login.error.empty_password"
	case len(login) > 64:
		back.Error = "login.error.invalid"
	}
	normal, shaped := l.shape.Normalize(login)
	if back.Error == "" && !shaped {
		// Nothing is checked, nothing counts: this says nothing of
		// whether an account exists.
		back.Error, back.Example = "login.error.shape", l.shape.Suggest(login)
	}
	if back.Error != "" {
		l.render(w, r, p.ClientID, http.StatusBadRequest, back)
		return
	}
	login = normal
	ip := websec.ClientIP(r, l.proxies)
	release, ok := l.admit(ctx, ip, login)
	if ok {
		release = sync.OnceFunc(release)
		defer release()
	}
	if !ok {
		_ = l.trail.Record(ctx, audit.Event{Kind: audit.KindSignIn, Outcome: "limited", Login: login, IP: ip})
		back.Error = "login.error.limited"
		l.render(w, r, p.ClientID, http.StatusTooManyRequests, back)
		return
	}
	acct, err := l.auth.Authenticate(ctx, login, r.PostFormValue("password"))
	switch {
	case err == nil:
		// Nothing left to count: the turns go back before the session
		// is written and the authorization answered.
		release()
		sess, err := l.m.StartSessionFor(ctx, w, r, acct, []string{"pwd"}, p.ClientID)
		if err != nil {
			l.fail(w, r, err)
			return
		}
		outcome := ""
		if acct.InGrace {
			outcome = "grace"
		}
		_ = l.trail.Record(ctx, audit.Event{Kind: audit.KindSignIn, Outcome: outcome, Login: login, Student: acct.StudentID, IP: ip, Detail: p.ClientID})
		l.m.cfg.Cookies.Clear(w, csrfCookie)
		to := l.next(id)
		if id == "" && back.Next != "" {
			to = back.Next
		}
		switch {
		case acct.InGrace:
			l.graceLogin(w, r, login, p.ClientID, to, acct.GraceLeft)
		case id != "" && l.answer != nil:
			l.answer(w, r, id, p, sess, acct)
		default:
			http.Redirect(w, r, to, http.StatusSeeOther)
		}
	case errors.Is(err, directory.ErrPasswordExpired):
		l.handover(w, r, state.Handover{Flow: "expired", Login: login, ClientID: p.ClientID, Continue: l.next(id)})
	case errors.Is(err, directory.ErrInvalidCredentials), errors.Is(err, directory.ErrNotFound), errors.Is(err, directory.ErrLocked):
		l.hit(ctx, ip, login)
		l.log.InfoContext(ctx, "sign-in refused", "login", login, "ip", ip, "reason", err.Error())
		_ = l.trail.Record(ctx, audit.Event{Kind: audit.KindSignIn, Outcome: "failed", Login: login, IP: ip, Detail: p.ClientID})
		back.Error = "login.error.invalid"
		l.render(w, r, p.ClientID, http.StatusUnauthorized, back)
	default:
		l.fail(w, r, err)
	}
}

// localNext returns next if it is a page of the console (a path under
// Paths.Console, nothing that a browser could read as another host),
// else "": ?next= is never an open redirect.
func (l *Login) localNext(next string) string {
	if strings.ContainsAny(next, "\\\r\n") || strings.Contains(next, "//") || strings.Contains(next, "/..") {
		return ""
	}
	if (l.paths.Console != "" && strings.HasPrefix(next, l.paths.Console)) || (l.paths.Account != "" && next == l.paths.Account) {
		return next
	}
	return ""
}

// next is where a successful sign-in goes: the pending authorization,
// or the sign-in page (which then says the user is signed in).
func (l *Login) next(id string) string {
	if id == "" {
		return l.paths.Login
	}
	return l.paths.Resume + "?id=" + url.QueryEscape(id)
}

// targets are the limits a sign-in attempt counts against: the client
// address (loose: many students share one), the account from that
// address (tight: what a guesser meets) and the account from anywhere
// (a high ceiling, so that whoever knows a login cannot keep its owner
// out from another network).
func targets(ip, login string) []regulation.Target {
	acct := strings.ToUpper(login)
	// The address's first: admit compares its budget with its turns.
	return []regulation.Target{
		{Rule: regulation.LoginPerIP, Key: regulation.IPKey(ip)},
		{Rule: regulation.LoginPerAccountIP, Key: regulation.PairKey(acct, ip)},
		{Rule: regulation.LoginPerAccount, Key: acct},
	}
}

func (l *Login) hit(ctx context.Context, ip, login string) {
	if l.lim == nil {
		return
	}
	if err := l.lim.HitAll(ctx, targets(ip, login)...); err != nil && !errors.Is(err, regulation.ErrLimited) {
		l.log.WarnContext(ctx, "sign-in limits", "err", err)
	}
}
