package provider

import (
	"html/template"
	"net/http"

	"github.com/ory/fosite"
)

// formPostScript is the path, under the issuer, of the script that
// submits the form_post page. fosite's own page submits itself with an
// inline onload handler, which Seuil's Content-Security-Policy
// (script-src 'self', no inline script) blocks: the browser would stay on
// a blank page. Seuil's page instead loads this script from its own
// origin, and shows a Continue button for browsers without JavaScript.
const formPostScript = "/oauth2/form_post.js"

const formPostJS = `document.getElementById("seuil-form-post").submit();` + "\n"

// formPostTemplate is fosite's FormPostHTMLTemplate (OAuth 2.0 Form Post
// Response Mode): fosite executes it with the redirect URI and the
// response parameters, for codes and errors alike.
// The issuer goes with every response (RFC 9207), as iss does in the
// query (issWriter).
func formPostTemplate(base, issuer string) *template.Template {
	return template.Must(template.New("form_post").Parse(`<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Retour vers l'application — Back to the application</title>
<script src="` + template.HTMLEscapeString(base+formPostScript) + `" defer></script></head>
<body>
<form id="seuil-form-post" method="post" action="{{.RedirURL}}">
<input type="hidden" name="iss" value="` + template.HTMLEscapeString(issuer) + `">
{{range $key, $values := .Parameters}}{{range $values}}{{if not (and (eq $key "state") (eq . "` + noState + `"))}}<input type="hidden" name="{{$key}}" value="{{.}}">
{{end}}{{end}}{{end}}<p>Retour vers l'application… <span lang="en">Back to the application…</span></p>
<button type="submit">Continuer <span lang="en">(Continue)</span></button>
</form>
</body>
</html>
`))
}

// formPostScriptHandler serves the script that submits the form_post page.
func formPostScriptHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write([]byte(formPostJS))
}

// responseModes are the response modes discovery advertises; fosite
// refuses any explicit response_mode, even query, for a client that does
// not list it.
var responseModes = []fosite.ResponseModeType{fosite.ResponseModeQuery, fosite.ResponseModeFormPost}

// GetResponseModes implements fosite.ResponseModeClient: every client may
// ask for query (the default) or form_post.
func (c *Client) GetResponseModes() []fosite.ResponseModeType { return responseModes }
