package provider

import (
	"net/http"

	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// errorData is what oidc_error.html shows.
type errorData struct{ Message string }

// errorPage renders a themed error page (never a redirect).
func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, clientID string, status int, msgKey string) {
	p.page(w, r, clientID, status, "oidc_error", "oidc.error.title", errorData{Message: msgKey}, "")
}

func (p *Provider) page(w http.ResponseWriter, r *http.Request, clientID string, status int, page, title string, data any, csrf string) {
	websec.NoStore(w)
	th := p.themeFor(clientID)
	lang := themes.Language(w, r, p.cfg.Session.Cookies)
	if ui := uiLocale(r.FormValue("ui_locales")); ui != "" && r.URL.Query().Get("lang") == "" {
		lang = ui // the relying party's choice, until the user picks a language
	}
	v := themes.View{Translator: th.Translator(lang), Title: title, CSRFToken: csrf,
		Static: p.cfg.StaticPath + "/" + th.Name, Data: data,
		LangLinks: themes.LangLinks(p.base+r.URL.Path, r.URL.Query(), lang)}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := th.Render(w, page, v); err != nil {
		p.log.ErrorContext(r.Context(), "render", "page", page, "err", err)
	}
}
