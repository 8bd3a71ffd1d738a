package demorp

import (
	"embed"
	"html/template"
	"net/http"
)

// static holds the stylesheet, served by the relying party itself: the
// pages carry no inline style or script, and the CSP says so.
//
//go:embed static/pjweb.css
var static embed.FS

// csp allows the page's own stylesheet and nothing else.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

type claim struct{ Label, Name, Value string }

type page struct {
	Lang     string
	T        T
	TitleKey string
	Error    string
	Claims   []claim
	Username string
}

var tpl = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.Get .TitleKey}} — {{.T.Get "title"}}</title><link rel="stylesheet" href="/static/pjweb.css"></head>
<body><header class="site-header"><div class="inner">
<p class="brand"><strong>PJ Web</strong> <span class="tag">{{.T.Get "brand.tag"}}</span></p>
<nav aria-label="{{.T.Get "nav"}}"><a href="/">{{.T.Get "home"}}</a>
<span class="langs" role="group" aria-label="{{.T.Get "languages"}}">{{if eq .Lang "fr"}}<span aria-current="true">Français</span> <a href="/?lang=en" lang="en" hreflang="en">English</a>{{else}}<a href="/?lang=fr" lang="fr" hreflang="fr">Français</a> <span aria-current="true">English</span>{{end}}</span></nav>
</div></header>
<main><div class="card"><h1>{{.T.Get .TitleKey}}</h1>
{{if .Error}}<p class="alert" role="alert">{{.Error}}</p>{{end}}
{{if .Username}}<p class="who">{{.T.Get "who"}} <strong id="username">{{.Username}}</strong>.</p>
<div class="table-wrap"><table><caption>{{.T.Get "caption"}}</caption>
<thead><tr><th scope="col">{{.T.Get "col.info"}}</th><th scope="col">{{.T.Get "col.value"}}</th></tr></thead><tbody>
{{range .Claims}}<tr><th scope="row">{{if .Label}}{{.Label}} <code class="claim">{{.Name}}</code>{{else}}<code class="claim">{{.Name}}</code>{{end}}</th><td>{{.Value}}</td></tr>{{end}}
</tbody></table></div>
<div class="actions"><a class="button" href="/logout">{{.T.Get "logout"}}</a></div>
{{else}}<p class="lead">{{.T.Get "lead"}}</p>
<div class="actions"><a class="button primary" href="/login">{{.T.Get "login"}}</a>
<a class="button" href="/login?create=1">{{.T.Get "create"}}</a></div>
<p class="hint">{{.T.Get "hint"}}</p>{{end}}
</div></main>
<footer class="site-footer">{{.T.Get "footer"}}</footer>
</body></html>`))

func render(w http.ResponseWriter, r *http.Request, status int, p page) {
	p.Lang = language(w, r)
	p.T = texts[p.Lang]
	for i := range p.Claims {
		p.Claims[i].Label = claimLabels[p.Lang][p.Claims[i].Name]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = tpl.Execute(w, p)
}

// stylesheet serves static/pjweb.css.
func stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeFileFS(w, r, static, "static/pjweb.css")
}
