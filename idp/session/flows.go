package session

import (
	"net/http"
	"net/url"
	"time"

	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// toFlow sends the browser to the activation or forgotten-password flow
// (?to=), to come back to the pending authorization, if any, when done.
func (l *Login) toFlow(w http.ResponseWriter, r *http.Request, flow string) {
	p, id := l.pending(r)
	l.handover(w, r, state.Handover{Flow: flow, ClientID: p.ClientID, Continue: l.next(id), Lang: p.Lang})
}

// handover stores h under a new ticket and redirects to its flow.
func (l *Login) handover(w http.ResponseWriter, r *http.Request, h state.Handover) {
	if h.Lang == "" {
		h.Lang = themes.Negotiate(r, l.m.cfg.Cookies.Name(themes.LangCookie))
	}
	if h.ClientID != "" {
		h.Theme = l.themes(h.ClientID).Name
	}
	if err := Handover(w, r, l.m.st, l.m.cfg.Cookies, l.paths.Flows, h); err != nil {
		l.fail(w, r, err)
	}
}

// Handover hands the browser to a self-service flow: it stores h under a
// new single-use ticket, bound to this browser by a cookie, and redirects
// to the flow's entry (under flowsPath) with the ticket.
func Handover(w http.ResponseWriter, r *http.Request, st *state.Store, c websec.Cookies, flowsPath string, h state.Handover) error {
	to, err := handoverURL(w, r, st, c, flowsPath, h)
	if err != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// handoverURL stores h and binds it to this browser, and returns the
// flow's entry URL with the ticket, for a redirect or a link.
func handoverURL(w http.ResponseWriter, r *http.Request, st *state.Store, c websec.Cookies, flowsPath string, h state.Handover) (string, error) {
	ticket := websec.Token()
	h.Binding = websec.Token()
	if err := st.PutHandover(r.Context(), ticket, h); err != nil {
		return "", err
	}
	c.Set(w, state.HandoverCookie, h.Binding, state.HandoverTTL)
	return flowsPath + "/" + h.Flow + "?handover=" + url.QueryEscape(ticket), nil
}

// grace is the page after a sign-in that used one of the directory's
// grace logins: the password has expired, the student is signed in, and
// is told how many such sign-ins remain, with the change of password one
// click away and the way on beside it. The sign-in's POST redirects to
// it (a reload must not spend another grace login), so it is stored for
// a few minutes under a ticket of its own.
type grace struct {
	Left             int
	ChangeURL, OnURL string
	Client           string // the relying party, for its theme
}

const graceTTL = 10 * time.Minute

func (l *Login) graceLogin(w http.ResponseWriter, r *http.Request, login, clientID, next string, left int) {
	h := state.Handover{Flow: "expired", Login: login, ClientID: clientID, Continue: next,
		Lang: themes.Negotiate(r, l.m.cfg.Cookies.Name(themes.LangCookie))}
	if clientID != "" {
		h.Theme = l.themes(clientID).Name
	}
	change, err := handoverURL(w, r, l.m.st, l.m.cfg.Cookies, l.paths.Flows, h)
	if err != nil {
		l.fail(w, r, err)
		return
	}
	ticket := websec.Token()
	if err := l.m.st.Put(r.Context(), "grace:"+ticket, grace{Left: left, ChangeURL: change, OnURL: next, Client: clientID}, graceTTL); err != nil {
		l.fail(w, r, err)
		return
	}
	http.Redirect(w, r, l.paths.Login+"?grace="+url.QueryEscape(ticket), http.StatusSeeOther)
}

// showGrace renders the grace page of ?grace=, or reports whether there
// is none to show (expired ticket: the ordinary sign-in page).
func (l *Login) showGrace(w http.ResponseWriter, r *http.Request, ticket string) bool {
	var g grace
	if len(ticket) > 64 || l.m.st.Get(r.Context(), "grace:"+ticket, &g) != nil {
		return false
	}
	th := l.themes(g.Client)
	lang := themes.Language(w, r, l.m.cfg.Cookies)
	v := themes.View{Title: "login.grace.title", Static: l.paths.Static + "/" + th.Name, Data: g}
	v.Translator = th.Translator(lang)
	v.LangLinks = themes.LangLinks(l.paths.Login, r.URL.Query(), lang)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := th.Render(w, "login_grace", v); err != nil {
		l.log.ErrorContext(r.Context(), "render grace page", "err", err)
	}
	return true
}
func (l *Login) render(w http.ResponseWriter, r *http.Request, clientID string, status int, f form) {
	th := l.themes(clientID)
	if l.clientName != nil && clientID != "" {
		f.Client = l.clientName(clientID)
	}
	// One token per browser session, reused, so that two sign-in tabs do
	// not invalidate each other's form.
	csrf, ok := l.m.cfg.Cookies.Get(r, csrfCookie)
	if !ok || len(csrf) < 32 {
		csrf = websec.Token()
		l.m.cfg.Cookies.Set(w, csrfCookie, csrf, 0)
	}
	lang := themes.Language(w, r, l.m.cfg.Cookies)
	if f.lang != "" && r.URL.Query().Get("lang") == "" {
		lang = f.lang
	}
	qv := url.Values{"lang": {lang}}
	if f.Pending != "" {
		qv.Set("id", f.Pending)
	}
	q := "?" + qv.Encode()
	f.Action = l.paths.Login + q
	f.ActivateURL = l.paths.Login + q + "&to=activation"
	f.ResetURL = l.paths.Login + q + "&to=reset"
	f.Passkeys = l.paths.Passkeys
	page, title := "login", "login.title"
	var data any = f
	// ?prompt=login asks for the password again over a live session (a
	// page that needs a recent sign-in, such as adding a passkey).
	if f.Pending == "" && r.Method != http.MethodPost && r.URL.Query().Get("prompt") != "login" {
		if s, err := l.m.Current(r.Context(), r); err == nil {
			page, title, data = "login_done", "login.done.title", s
		}
	}
	v := themes.View{Title: title, CSRFToken: csrf, Static: l.paths.Static + "/" + th.Name, Data: data}
	v.Translator = th.Translator(lang)
	v.LangLinks = themes.LangLinks(l.paths.Login, r.URL.Query(), lang)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := th.Render(w, page, v); err != nil {
		l.log.ErrorContext(r.Context(), "render sign-in page", "err", err)
	}
}

func (l *Login) fail(w http.ResponseWriter, r *http.Request, err error) {
	l.log.ErrorContext(r.Context(), "sign-in", "err", err)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
