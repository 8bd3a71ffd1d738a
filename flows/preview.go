package flows

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/mask"
	"github.com/seuil-idp/seuil/idp/students"
)

// previewFlow is the sample student every preview shows.
func previewFlow() *flow.Flow {
	rec := &students.Record{StudentID: "22012345", INE: "123456789AB", FirstName: "Camille", LastName: "Martin",
		Mobile: "+33788102599", Email: "camille.martin@example.org", BirthDate: time.Date(2007, 3, 14, 0, 0, 0, 0, time.UTC)}
	return &flow.Flow{ID: "preview", Name: "activation", CSRF: "preview", StudentID: rec.StudentID, INE: rec.INE,
		Phone: rec.Mobile, Record: rec, Login: "22012345T", Verified: true, PasswordSet: true,
		OTP:     flow.OTP{SMSTo: mask.Phone(rec.Mobile), MailTo: mask.Email(rec.Email)},
		Landing: "https://pjweb.example.org/", Confirmed: mask.Email(rec.Email), Matched: true}
}

// PreviewData is the preview index page's data.
type PreviewData struct {
	Base   string
	Pages  []string
	Themes []string // every loaded theme; ?theme= picks one
}

// previewIndex lists the previewable screens.
func (h *Handler) previewIndex(w http.ResponseWriter, r *http.Request) {
	d := h.previewDef()
	if d == nil {
		h.message(w, r, nil, http.StatusNotFound, "error.notfound")
		return
	}
	var names []string
	for _, s := range d.Steps {
		names = append(names, s.Name())
	}
	t := h.deps.Themes.Get(d.Theme)
	tr := t.Translator(h.lang(w, r))
	ths := h.deps.Themes.Names()
	h.render(w, r, t, tr, http.StatusOK, "preview", "preview.title", "",
		PreviewData{Base: h.cfg.BasePath, Pages: append(names, "message", "expired", "login", "login_grace"), Themes: ths})
}

// preview renders one screen of the activation flow with sample data;
// ?error=1 adds sample errors.
func (h *Handler) preview(w http.ResponseWriter, r *http.Request) {
	d := h.previewDef()
	// ?flow= shows a flow's own texts (reset, expired) on its screens.
	if fd := h.Definitions()[r.URL.Query().Get("flow")]; fd != nil && fd.index(chi.URLParam(r, "page")) >= 0 {
		d = fd
	}
	name := chi.URLParam(r, "page")
	if d == nil {
		h.message(w, r, nil, http.StatusNotFound, "error.notfound")
		return
	}
	h.previewScreen(w, r, d, name)
}

// PreviewCandidate renders screen page of a candidate text of flow name,
// parsed as Check parses it, with the sample student: what the console
// shows of a version before it runs. It returns the text's problems,
// rendering nothing, when it does not parse.
func (h *Handler) PreviewCandidate(w http.ResponseWriter, r *http.Request, name string, raw []byte, page string) error {
	d, err := ParseDefinition(name, raw, h.deps.Registry, h.svc, h.deps.Themes.Has)
	if err != nil {
		return err
	}
	h.previewScreen(w, r, d, page)
	return nil
}

// PreviewTheme renders screen page of the activation flow, or the
// sign-in page ("login"), in theme, with the sample student: what the
// console shows of a theme before it runs.
func (h *Handler) PreviewTheme(w http.ResponseWriter, r *http.Request, theme, page string) error {
	d := h.previewDef()
	if d == nil || h.deps.Themes.Get(theme) == nil {
		return fmt.Errorf("flows: no flow or no theme %q to preview", theme)
	}
	r = r.Clone(r.Context())
	q := r.URL.Query()
	q.Set("theme", theme)
	r.URL.RawQuery = q.Encode()
	h.previewScreen(w, r, d, page)
	return nil
}

// Screens lists the screens of a candidate text of flow name that
// PreviewCandidate renders: its steps, then the message page.
func (h *Handler) Screens(name string, raw []byte) ([]string, error) {
	d, err := ParseDefinition(name, raw, h.deps.Registry, h.svc, h.deps.Themes.Has)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range d.Steps {
		out = append(out, s.Name())
	}
	return append(out, "message"), nil
}

// previewScreen renders screen name of d with the sample student.
func (h *Handler) previewScreen(w http.ResponseWriter, r *http.Request, d *Definition, name string) {
	switch name {
	case "message":
		h.message(w, r, d, http.StatusOK, "error.expired")
		return
	case "login", "login_grace":
		h.previewSignIn(w, r, d, name)
		return
	case "expired":
		// The expired flow's password screen, as a student whose
		// password expired a week ago sees it.
		if ed := h.Definitions()["expired"]; ed != nil && ed.index("password") >= 0 {
			f := previewFlow()
			f.Name, f.Step, f.Lang = ed.Name, ed.index("password"), h.lang(w, r)
			f.SampleExpiredOn = time.Now().AddDate(0, 0, -7)
			h.renderStep(w, r, ed, f, http.StatusOK, nil, "")
			return
		}
	}
	idx := d.index(name)
	if idx < 0 {
		h.message(w, r, nil, http.StatusNotFound, "error.notfound")
		return
	}
	f := previewFlow()
	f.Name, f.Step, f.Lang = d.Name, idx, h.lang(w, r)
	if th := r.URL.Query().Get("theme"); h.deps.Themes.Get(th) != nil {
		f.Theme = th
	}
	var ex *explained
	if r.URL.Query().Get("error") != "" {
		e := h.explain(sampleError(name))
		ex = &e
		// Show what a student might have typed to get those errors.
		r.PostForm = sampleTyped[name]
	}
	h.renderStep(w, r, d, f, http.StatusOK, ex, "")
}

// previewSignIn renders the sign-in page (with ?error=1, after a wrong
// password) or the grace-login page with sample data: they belong to the
// provider, but a theme shapes them as it does the flows' screens.
func (h *Handler) previewSignIn(w http.ResponseWriter, r *http.Request, d *Definition, page string) {
	t := h.deps.Themes.Get(d.Theme)
	if th := r.URL.Query().Get("theme"); h.deps.Themes.Get(th) != nil {
		t = h.deps.Themes.Get(th)
	}
	tr := t.Translator(h.lang(w, r))
	var data any = map[string]any{"Action": "#", "Login": "22012345T", "Client": "PJ Web",
		"ActivateURL": "#", "ResetURL": "#", "Error": "", "Pending": "", "Next": "", "Example": "", "Passkeys": ""}
	title := "login.title"
	if r.URL.Query().Get("error") != "" {
		data.(map[string]any)["Error"] = "login.error.invalid"
	}
	if page == "login_grace" {
		data, title = map[string]any{"Left": 2, "ChangeURL": "#", "OnURL": "#"}, "login.grace.title"
	}
	h.render(w, r, t, tr, http.StatusOK, page, title, "preview", data)
}

func (h *Handler) previewDef() *Definition {
	if d := h.Definitions()["activation"]; d != nil {
		return d
	}
	for _, d := range h.Definitions() {
		return d
	}
	return nil
}

// sampleTyped are the values shown with a step's sample errors.
var sampleTyped = map[string]url.Values{
	"identify": {"student_id": {"22012345"}, "ine": {"12345678AB"}, "phone": {"07 88 10"}},
	"verify":   {"code": {"123465"}},
}

func sampleError(step string) error {
	var fe flow.FieldErrors
	switch step {
	case "identify":
		fe.Add("ine", "identify.ine.format")
		fe.Add("phone", "identify.phone.format")
	case "verify":
		return &flow.CodeError{Remaining: 3}
	case "password":
		fe.Add("password", "password.failed.digit")
		fe.Add("password", "password.failed.ascii", "é, à")
		fe.Add("confirm", "password.confirm.mismatch")
	default:
		return flow.ErrMismatch
	}
	return fe
}
