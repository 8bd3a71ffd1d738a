// Package console is the staff console at /admin: the helpdesk's view of
// one student's case (record, account, blocks, codes sent, sessions)
// with the actions that get a stuck student through, and the admins'
// audit trail. Staff sign in on Seuil's own sign-in page, then prove a
// second factor (idp/staff); every page is server-rendered with the
// theme engine under the same CSP as the flows, and every POST carries
// a token bound to the session besides the cross-origin check.
package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/staff"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// Sessions is the part of session.Manager the console uses.
type Sessions interface {
	Current(ctx context.Context, r *http.Request) (session.Session, error)
	AddAMR(ctx context.Context, r *http.Request, methods ...string) error
	Of(ctx context.Context, login string) ([]session.Session, error)
}

// Accounts finds accounts (directory.Directory has it).
type Accounts interface {
	FindByStudentID(ctx context.Context, studentID string) (directory.Account, error)
	FindByLogin(ctx context.Context, login string) (directory.Account, error)
}

// Searcher finds accounts by INE, e-mail or mobile (both directories).
type Searcher interface {
	FindBy(ctx context.Context, field, value string) ([]directory.Account, error)
}

// Lockouts reads and lifts the directory's own lockout (LDAP ppolicy);
// the embedded directory has none.
type Lockouts interface {
	Lockout(ctx context.Context, login string) (directory.Lockout, error)
	Unlock(ctx context.Context, login string) error
}

// Limits reads and resets Seuil's own rate limits (*regulation.Regulator).
type Limits interface {
	Check(ctx context.Context, rule regulation.Rule, key string) (regulation.Decision, error)
	Reset(ctx context.Context, rule regulation.Rule, key string) error
}

// Ender ends every session of a person and revokes their tokens
// (*provider.Provider).
type Ender interface {
	EndSessionsOf(ctx context.Context, login, subject string) (sessions, grants int, err error)
}

// Deps are what the console works with.
type Deps struct {
	Sessions Sessions
	Ender    Ender
	Roles    staff.Config
	Members  staff.Memberships // nil: roles by login list only
	Factors  *staff.Factors
	Accounts Accounts
	Students students.Source
	Limits   Limits
	Trail    *audit.Trail
	Theme    *themes.Theme
	Cookies  websec.Cookies
	// Secret keys the forms' tokens (≥ 16 bytes, shared by replicas).
	Secret []byte
	// BasePath is the public path prefix ("" or "/seuil"); LoginPath
	// the sign-in page.
	BasePath, LoginPath string
	Proxies             []netip.Prefix
	Logger              *slog.Logger
	// LoginFor makes a student's login from the number.
	LoginFor func(studentID string) string
	// SendMail sends a student the reset mail (the flows' mail channel);
	// ResetURL is the reset flow's public URL. Nil: no reset action.
	SendMail func(ctx context.Context, to string, m themes.Mail) error
	ResetURL string
	// HSTS sends Strict-Transport-Security (HTTPS deployments).
	HSTS bool
	// SendCode sends the student a code to the contacts on record, which
	// their flow at the verify step takes once (flows'
	// SendHelpdeskCode); nil: no such action.
	SendCode func(ctx context.Context, studentID, lang string) (sms, mail string, err error)
	// Skipped lists the rows the student source left out at its last
	// load (the CSV extraction's) and how many; nil: the source skips
	// none at lookup time.
	Skipped func() ([]students.SkippedRow, int)
	// Funnel reads the campaign's counts; nil: not counted.
	Funnel Funnel
	// SMSPrice is one SMS's price in euros (sms.price_per_sms): the
	// campaign page estimates the period's cost; 0: no estimate.
	SMSPrice float64
	// Catalogue lists the running flows and themes; FlowsDir and
	// ThemesDir are the directories they may come from (flows.dir,
	// themes.dir; "" for none); PreviewPath is /preview's, "" when off.
	Catalogue                        Catalogue
	FlowsDir, ThemesDir, PreviewPath string
	// LastSMS is what became of the student's last code by SMS, within
	// the hour (sent, delivered, not…); nil, or ok false: nothing known.
	LastSMS func(ctx context.Context, studentID string) (state string, at time.Time, ok bool)
	// FlowAdmin changes the flow definitions from the console, and
	// ThemeAdmin the themes (each text a theme document); nil: it cannot.
	FlowAdmin, ThemeAdmin FlowAdmin
}

// Console serves /admin.
type Console struct {
	d   Deps
	mux *http.ServeMux
	h   http.Handler // mux behind the security headers and the cross-origin check
}

// New returns the console handler, to be mounted at /admin/.
func New(d Deps) (*Console, error) {
	if len(d.Secret) < 16 {
		return nil, errors.New("console: secret too short")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	c := &Console{d: d, mux: http.NewServeMux()}
	staffOnly := func(role staff.Role, h func(http.ResponseWriter, *http.Request, *member)) http.Handler {
		return c.gate(role, true, h)
	}
	c.mux.Handle("GET /admin/{$}", staffOnly(staff.Helpdesk, c.home))
	c.mux.Handle("GET /admin/enrol", c.gate(staff.Helpdesk, false, c.enrolForm))
	c.mux.Handle("POST /admin/enrol", c.gate(staff.Helpdesk, false, c.enrol))
	c.mux.Handle("GET /admin/verify", c.gate(staff.Helpdesk, false, c.verifyForm))
	c.mux.Handle("POST /admin/verify", c.gate(staff.Helpdesk, false, c.verify))
	c.mux.Handle("GET /admin/search", staffOnly(staff.Helpdesk, c.search))
	c.mux.Handle("GET /admin/case", staffOnly(staff.Helpdesk, c.caseView))
	c.mux.Handle("POST /admin/case/{action}", staffOnly(staff.Helpdesk, c.act))
	c.mux.Handle("GET /admin/skipped", staffOnly(staff.Helpdesk, c.skippedView))
	c.mux.Handle("GET /admin/funnel", staffOnly(staff.Admin, c.funnelView))
	c.mux.Handle("GET /admin/flows", staffOnly(staff.Admin, c.catalogueView))
	c.mux.Handle("GET /admin/flows/edit", staffOnly(staff.Admin, c.flowEdit))
	c.mux.Handle("POST /admin/flows/edit", staffOnly(staff.Admin, c.flowEdit))
	c.mux.Handle("GET /admin/flows/preview", staffOnly(staff.Admin, c.flowPreview))
	c.mux.Handle("GET /admin/themes/edit", staffOnly(staff.Admin, c.themeEdit))
	c.mux.Handle("POST /admin/themes/edit", staffOnly(staff.Admin, c.themeEdit))
	c.mux.Handle("GET /admin/themes/preview", staffOnly(staff.Admin, c.themePreview))
	c.mux.Handle("GET /admin/funnel.csv", staffOnly(staff.Admin, c.funnelCSV))
	c.mux.Handle("GET /admin/audit", staffOnly(staff.Admin, c.auditView))
	c.mux.Handle("GET /admin/audit.csv", staffOnly(staff.Admin, c.auditCSV))
	c.mux.Handle("GET /admin/staff", staffOnly(staff.Admin, c.staffView))
	c.mux.Handle("POST /admin/staff/reset", staffOnly(staff.Admin, c.resetFactor))
	c.mux.Handle("/admin/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.message(w, r, http.StatusNotFound, "admin.notfound")
	}))
	// The flows' protections: strict CSP and security headers, bounded
	// bodies, and cross-origin posts refused before any handler runs
	// (the forms' session-bound token is the second lock).
	cross, err := websec.CrossOrigin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.message(w, r, http.StatusForbidden, "admin.csrf")
	}))
	if err != nil {
		return nil, err
	}
	c.h = websec.Headers(d.HSTS)(cross(c.mux))
	return c, nil
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	websec.NoStore(w)
	c.h.ServeHTTP(w, r)
}

// member is the staff member behind a request.
type member struct {
	s     session.Session
	roles []staff.Role
	lang  string
	tr    themes.Translator
	ip    string
}

func (m *member) is(r staff.Role) bool { return slices.Contains(m.roles, r) }

// gate admits a signed-in holder of role; full also requires the second
// factor (enrolled and proved on this session). Pages for the second
// factor itself pass full=false.
func (c *Console) gate(role staff.Role, full bool, h func(http.ResponseWriter, *http.Request, *member)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		s, err := c.d.Sessions.Current(ctx, r)
		if errors.Is(err, session.ErrNoSession) {
			http.Redirect(w, r, c.d.LoginPath+"?next="+url.QueryEscape(c.d.BasePath+"/admin/"), http.StatusSeeOther)
			return
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
		roles, err := c.d.Roles.RolesOf(ctx, c.d.Members, s.Login)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		lang := themes.Language(w, r, c.d.Cookies)
		m := &member{s: s, roles: roles, lang: lang, tr: c.d.Theme.Translator(lang), ip: websec.ClientIP(r, c.d.Proxies)}
		if !m.is(role) {
			// A student, or a helpdesk member on an admin page.
			c.message(w, r, http.StatusForbidden, "admin.forbidden")
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil || !websec.Equal(r.PostFormValue("csrf"), c.token(s)) {
				c.message(w, r, http.StatusForbidden, "admin.csrf")
				return
			}
		}
		// "mfa" is set by the console's own second-factor check only: an
		// activation's session has "otp" too (the code by SMS or mail),
		// which must not open the console to a staff member who
		// activated a student account.
		if full && !slices.Contains(s.AMR, staffMFA) {
			enrolled, err := c.d.Factors.Enrolled(ctx, s.Login)
			if err != nil {
				c.fail(w, r, err)
				return
			}
			next := "/admin/verify"
			if !enrolled {
				next = "/admin/enrol"
			}
			http.Redirect(w, r, c.d.BasePath+next, http.StatusSeeOther)
			return
		}
		h(w, r, m)
	})
}

// token is the forms' anti-CSRF token: bound to the session (its SID),
// so it needs no storage and dies with the session.
func (c *Console) token(s session.Session) string {
	mac := hmac.New(sha256.New, c.d.Secret)
	mac.Write([]byte("seuil console csrf\x00" + s.SID))
	return hex.EncodeToString(mac.Sum(nil))
}

// view is what every console template gets in Data.
type view struct {
	Base    string
	Who     string
	Roles   []staff.Role
	Admin   bool
	Notice  string
	Error   string
	Page    any
	Current string // the nav entry
	Skips   bool   // the student source keeps its skipped rows (nav entry)
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, m *member, status int, page, title string, data view) {
	tr := c.d.Theme.Translator(themes.Negotiate(r, c.d.Cookies.Name(themes.LangCookie)))
	data.Base, data.Skips = c.d.BasePath, c.d.Skipped != nil
	csrf := ""
	if m != nil {
		data.Who, data.Roles, data.Admin = m.s.Login, m.roles, m.is(staff.Admin)
		csrf = c.token(m.s)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	v := themes.View{Translator: tr, Title: title, CSRFToken: csrf, Static: c.d.BasePath + "/static/" + c.d.Theme.Name,
		LangLinks: themes.LangLinks(c.d.BasePath+r.URL.Path, r.URL.Query(), tr.Lang), Data: data}
	var buf strings.Builder
	if err := c.d.Theme.Render(&buf, page, v); err != nil {
		c.d.Logger.ErrorContext(r.Context(), "render", "page", page, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

// messageData matches the theme's message page.
type messageData struct {
	Title, Text, Link, Label, Ref string
	Help                          bool
}

func (c *Console) message(w http.ResponseWriter, r *http.Request, status int, key string) {
	tr := c.d.Theme.Translator(themes.Negotiate(r, c.d.Cookies.Name(themes.LangCookie)))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	v := themes.View{Translator: tr, Title: key + ".title", Static: c.d.BasePath + "/static/" + c.d.Theme.Name,
		LangLinks: themes.LangLinks(c.d.BasePath+r.URL.Path, nil, tr.Lang),
		Data:      messageData{Title: tr.T(key + ".title"), Text: tr.T(key), Link: c.d.BasePath + "/admin/", Label: tr.T("admin.home")}}
	var buf strings.Builder
	if err := c.d.Theme.Render(&buf, "message", v); err != nil {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.d.Logger.ErrorContext(r.Context(), "console", "path", r.URL.Path, "err", err)
	c.message(w, r, http.StatusServiceUnavailable, "admin.unavailable")
}

func (c *Console) record(ctx context.Context, m *member, e audit.Event) error {
	e.Actor, e.IP = m.s.Login, m.ip
	return c.d.Trail.Record(ctx, e)
}
