package flows

import (
	"net/http"
	"net/url"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// Page is the data every step template receives as .Data.
type Page struct {
	Flow, Step string
	Base       string // URL prefix of every link (Config.BasePath)
	Action     string // form action URL
	Version    int
	StepNo     int // 1-based, for "Step 2 of 4"
	StepCount  int
	Errors     []ShownError // field errors, in form order (the summary)
	Message    string       // error above the form
	Notice     string       // information above the form
	Help       bool         // turned away: show the helpdesk's contacts
	Ref        string       // and the reference of the case
	Values     url.Values   // what was typed (secrets removed)
	Data       any          // the step's own data
}

// ShownError is a translated field error.
type ShownError struct {
	Field, Text string
}

// secretFields are never sent back to the browser.
var secretFields = map[string]bool{"password": true, "confirm": true, "code": true, "csrf": true}

// Err returns the error text of a field, or "".
func (p Page) Err(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Text
		}
	}
	return ""
}

// Errs returns all error texts of a field.
func (p Page) Errs(field string) []string {
	var out []string
	for _, e := range p.Errors {
		if e.Field == field {
			out = append(out, e.Text)
		}
	}
	return out
}

// Value returns what the student typed in field, else fallback.
func (p Page) Value(field, fallback string) string {
	if v, ok := p.Values[field]; ok && !secretFields[field] {
		return v[0]
	}
	return fallback
}

func (h *Handler) renderStep(w http.ResponseWriter, r *http.Request, d *Definition, f *flow.Flow, status int, ex *explained, notice string) {
	t := h.theme(d, f)
	tr := t.Translator(f.Lang).ForFlow(d.Name)
	x := h.exchange(w, r, d, f)
	page, data := d.Steps[f.Step].Show(r.Context(), f, x)
	p := Page{Flow: d.Name, Step: d.Steps[f.Step].Name(), Version: f.Version,
		StepNo: f.Step + 1, StepCount: len(d.Steps), Data: data}
	p.Base = h.cfg.BasePath
	p.Action = p.Base + "/" + d.Name + "/" + p.Step
	if notice != "" {
		p.Notice = tr.T(notice)
	}
	if ex != nil {
		for _, fe := range ex.fields {
			p.Errors = append(p.Errors, ShownError{Field: fe.Field, Text: tr.T(fe.Key, fe.Args...)})
		}
		if ex.msg.Key != "" {
			p.Message = tr.T(ex.msg.Key, ex.msg.Args...)
		}
		p.Help, p.Ref = ex.turnedAway(), ex.ref
		p.Values = url.Values{}
		for k, v := range r.PostForm {
			if !secretFields[k] {
				p.Values[k] = v
			}
		}
	}
	h.render(w, r, t, tr, status, page, page+".title", f.CSRF, p)
}

// helpKeys are the closing messages that turn a student away: they show
// the helpdesk's contacts even without a reference.
var helpKeys = map[string]bool{"error.too_many_codes": true, "error.locked": true, "error.no_recipient": true, "error.internal": true}

// MessageData is the data of the "message" page (errors, expiry).
type MessageData struct {
	Title, Text string
	Link, Label string // a way on, e.g. start again
	Help        bool   // turned away: the helpdesk's contacts
	Ref         string // and the reference of the case
}

// Message renders a themed message page outside any flow (the default
// theme, the student's language): for the server's own refusals, such as
// headers too large, which must not be Go's plain English text.
func (h *Handler) Message(w http.ResponseWriter, r *http.Request, status int, key string) {
	h.message(w, r, nil, status, key)
}

// message renders a themed message page; d may be nil (unknown flow).
func (h *Handler) message(w http.ResponseWriter, r *http.Request, d *Definition, status int, key string, args ...any) {
	h.messageRef(w, r, d, status, "", key, args...)
}

// messageRef is message with the helpdesk's reference for the case.
func (h *Handler) messageRef(w http.ResponseWriter, r *http.Request, d *Definition, status int, ref, key string, args ...any) {
	t := h.deps.Themes.Get("default")
	if d != nil {
		t = h.deps.Themes.Get(d.Theme)
	}
	tr := t.Translator(themes.Negotiate(r, h.deps.Cookies.Name(themes.LangCookie)))
	if d != nil {
		tr = tr.ForFlow(d.Name)
	}
	m := MessageData{Title: tr.T(key + ".title"), Text: tr.T(key, args...), Ref: ref, Help: ref != "" || helpKeys[key]}
	switch {
	case d != nil && d.Entry == "direct":
		m.Link, m.Label = h.cfg.BasePath+"/"+d.Name+"?restart=1", tr.T("message.restart")
	case h.cfg.SignInPath != "":
		// A flow only the sign-in page starts (expired), or no flow at
		// all (a page not found): the sign-in page is the way on, with
		// its links to activation and reset.
		m.Link, m.Label = h.cfg.SignInPath, tr.T("message.signin")
	}
	h.render(w, r, t, tr, status, "message", key+".title", "", m)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, t *themes.Theme, tr themes.Translator,
	status int, page, title, csrf string, data any) {
	websec.NoStore(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	v := themes.View{Translator: tr, Title: title, CSRFToken: csrf, Static: h.cfg.BasePath + "/static/" + t.Name,
		LangLinks: themes.LangLinks(h.cfg.BasePath+r.URL.Path, nil, tr.Lang), Data: data}
	var buf bufferWriter
	if err := t.Render(&buf, page, v); err != nil {
		h.deps.Logger.ErrorContext(r.Context(), "render", "page", page, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.b)
}

type bufferWriter struct{ b []byte }

func (b *bufferWriter) Write(p []byte) (int, error) { b.b = append(b.b, p...); return len(p), nil }

// langLinks links the current page in every language. On a page shown
// after a POST the link goes to the same URL with GET, which shows the
// current step again.
