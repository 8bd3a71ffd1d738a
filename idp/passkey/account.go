package passkey

import (
	"net/http"
	"net/url"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// accountPage is "Mon compte": the signed-in student's passkeys, each
// with its dates and a button to remove it, and the button to add one.
type accountPage struct {
	Login    string
	Keys     []keyLine
	CSRF     string
	Base     string
	Notice   string // a translation key: the key just removed
	Register string // the ceremony's URL; empty when the sign-in is too old to add one
	Reauth   string // then: the sign-in page, back here
}

type keyLine struct {
	ID                string
	Created, LastUsed time.Time
}

// signedIn is the request's SSO session; without one, the browser goes
// through the sign-in page, and back to "Mon compte".
func (p *Handler) signedIn(w http.ResponseWriter, r *http.Request) (session.Session, bool) {
	s, err := p.d.Sessions.Current(r.Context(), r)
	if err != nil {
		http.Redirect(w, r, p.cfg.LoginPath+"?next="+url.QueryEscape(p.cfg.BasePath+"/account"), http.StatusSeeOther)
		return session.Session{}, false
	}
	return s, true
}

func (p *Handler) account(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s, ok := p.signedIn(w, r)
	if !ok {
		return
	}
	u, err := p.load(ctx, s.Login)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	page := accountPage{Login: s.Login, CSRF: p.token(s), Base: p.cfg.BasePath, Register: p.cfg.BasePath + "/passkeys/register"}
	if time.Since(s.AuthTime) > RecentSignIn {
		page.Register = ""
		page.Reauth = p.cfg.LoginPath + "?prompt=login&next=" + url.QueryEscape(p.cfg.BasePath+"/account")
	}
	for _, c := range u.creds {
		page.Keys = append(page.Keys, keyLine{ID: c.meta.ID, Created: c.meta.Created, LastUsed: c.meta.LastUsed})
	}
	if r.URL.Query().Get("removed") == "1" {
		page.Notice = "account.passkey.removed"
	}
	p.render(w, r, http.StatusOK, page)
}

// remove deletes one of the signed-in student's passkeys.
func (p *Handler) remove(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s, ok := p.signedIn(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil || !websec.Equal(r.PostFormValue("csrf"), p.token(s)) {
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	}
	id := r.PostFormValue("id")
	u, err := p.load(ctx, s.Login)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, c := range u.creds {
		if c.meta.ID == id { // only a passkey of this account
			if err := p.d.Vault.Delete(ctx, s.Login, id); err != nil {
				p.fail(w, r, err)
				return
			}
			_ = p.d.Trail.Record(ctx, audit.Event{Kind: audit.KindPasskey, Outcome: "removed", Login: s.Login, Detail: id})
		}
	}
	http.Redirect(w, r, p.cfg.BasePath+"/account?removed=1", http.StatusSeeOther)
}

func (p *Handler) render(w http.ResponseWriter, r *http.Request, status int, page accountPage) {
	lang := themes.Language(w, r, p.d.Cookies)
	v := themes.View{Title: "account.title", CSRFToken: page.CSRF, Static: p.cfg.BasePath + "/static/" + p.d.Theme.Name, Data: page}
	v.Translator = p.d.Theme.Translator(lang)
	v.LangLinks = themes.LangLinks(p.cfg.BasePath+"/account", r.URL.Query(), lang)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := p.d.Theme.Render(w, "account", v); err != nil {
		p.d.Logger.ErrorContext(r.Context(), "render account page", "err", err)
	}
}

func (p *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	p.d.Logger.ErrorContext(r.Context(), "account page", "err", err)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
