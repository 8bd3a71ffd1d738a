package notify

import (
	"encoding/json"
	"html/template"
	"net/http"
)

// Paths served by Outbox.Handler.
const (
	OutboxPath     = "/demo/outbox"
	OutboxJSONPath = "/demo/outbox.json"
)

// outboxPage is plain semantic HTML with the default theme's stylesheet:
// no inline script or style, so it works under a strict CSP.
var outboxPage = template.Must(template.New("outbox").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Demo outbox</title>
<link rel="stylesheet" href="/static/default/seuil.css">
</head>
<body>
<main>
<h1>Demo outbox</h1>
<p>Messages Seuil would have sent, newest first. Nothing here left this server. <a href="{{.JSON}}">JSON</a></p>
{{if not .Messages}}<p>No message yet.</p>{{end}}
{{range .Messages}}<article>
<h2>{{if eq .Channel "sms"}}SMS{{else}}E-mail{{end}} to {{.To}}</h2>
<p><time datetime="{{.Time.UTC.Format "2006-01-02T15:04:05Z07:00"}}">{{.Time.Format "2006-01-02 15:04:05"}}</time>{{if .Subject}} — {{.Subject}}{{end}}</p>
{{if .Code}}<p>Code: <strong><code>{{.Code}}</code></strong></p>{{end}}
<pre>{{.Body}}</pre>
</article>
{{end}}</main>
</body>
</html>
`))

// Handler serves OutboxPath (an HTML page) and OutboxJSONPath (a JSON array
// of Message), newest first. Mount it only in the demo.
func (o *Outbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+OutboxPath, func(w http.ResponseWriter, r *http.Request) {
		noStore(w)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = outboxPage.Execute(w, struct {
			JSON     string
			Messages []Message
		}{OutboxJSONPath, o.Messages()})
	})
	mux.HandleFunc("GET "+OutboxJSONPath, func(w http.ResponseWriter, r *http.Request) {
		noStore(w)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(o.Messages())
	})
	return mux
}

// noStore keeps codes out of caches, and sets a strict CSP unless a
// middleware already did.
func noStore(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Content-Security-Policy") == "" {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	}
}
