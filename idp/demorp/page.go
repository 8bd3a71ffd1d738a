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

type claim struct{ Name, Value string }

type page struct {
	Title, Error string
	Claims       []claim
	Username     string
}

var tpl = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — PJ Web (démo)</title><link rel="stylesheet" href="/static/pjweb.css"></head>
<body><header class="site-header"><div class="inner">
<p class="brand"><strong>PJ Web</strong> <span class="tag">— dépôt des pièces justificatives (démonstration)</span></p>
<nav aria-label="Navigation principale"><a href="/">Accueil</a></nav>
</div></header>
<main><div class="card"><h1>{{.Title}}</h1>
{{if .Error}}<p class="alert" role="alert">{{.Error}}</p>{{end}}
{{if .Username}}<p class="who">Connecté en tant que <strong id="username">{{.Username}}</strong>.</p>
<div class="table-wrap"><table><caption>Informations transmises par Seuil</caption>
<thead><tr><th scope="col">Claim</th><th scope="col">Valeur</th></tr></thead><tbody>
{{range .Claims}}<tr><th scope="row">{{.Name}}</th><td>{{.Value}}</td></tr>{{end}}
</tbody></table></div>
<div class="actions"><a class="button" href="/logout">Se déconnecter</a></div>
{{else}}<p class="lead">Déposez en ligne les pièces justificatives de votre inscription. Connectez-vous avec le compte numérique de l'université.</p>
<div class="actions"><a class="button primary" href="/login">Se connecter</a>
<a class="button" href="/login?create=1">Créer mon compte</a></div>
<p class="hint">Première connexion ? « Créer mon compte » active votre compte numérique avec votre numéro étudiant.</p>{{end}}
</div></main>
<footer class="site-footer">Application de démonstration : elle montre ce qu'un service de l'université reçoit de Seuil.</footer>
</body></html>`))

func render(w http.ResponseWriter, status int, p page) {
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
