package console

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/themes"
)

// FlowAdmin changes the flow definitions (or, as Deps.ThemeAdmin, the
// themes) from the console: a new version is checked as serve would
// check it, saved, and made what every replica runs; an earlier one
// comes back the same way. Where they are files (flows.dir, themes.dir),
// Managed is false and nothing here changes them.
type FlowAdmin interface {
	Managed() bool
	// Text is what flow name runs now.
	Text(ctx context.Context, name string) (string, error)
	// Check validates a candidate: every problem, each with its line.
	Check(name string, raw []byte) error
	// Versions lists the saved versions, newest first, and the active
	// one's id ("" when the flow runs the shipped text).
	Versions(ctx context.Context, name string) ([]FlowVersion, string, error)
	// Activate makes raw (or, when id is given, that saved version) what
	// every replica runs, and returns its id and the text it replaces.
	Activate(ctx context.Context, name string, raw []byte, id, by, note string) (newID, before string, err error)
	// Draft keeps a checked text for an hour to preview it before it
	// runs, and returns its id and its screens.
	Draft(ctx context.Context, name string, raw []byte) (id string, screens []string, err error)
	// Preview renders screen page of draft or version id with sample
	// data; ErrNoVersion when there is no such text.
	Preview(w http.ResponseWriter, r *http.Request, name, id, page string) error
}

// ErrNoVersion: the draft or version to preview does not exist (a draft
// lasts an hour).
var ErrNoVersion = errors.New("console: no such version")

// FlowVersion is one saved version of a flow definition.
type FlowVersion struct {
	ID, By, Note string
	At           time.Time
}

type flowEditPage struct {
	Kind             string // "flows" or "themes": the page's words and paths
	Path             string // the editor's path, /admin/flows or /admin/themes
	Name, Text, Note string
	Managed          bool
	Problems         []string
	Valid            bool // checked, no problem
	Diff             []diffLine
	Draft            string   // the checked text's id, to preview it
	Screens          []string // its screens
	Versions         []FlowVersion
	Active           string
}

// editor is what the page edits: the flow definitions or the themes,
// both texts kept as versions in the catalog.
type editor struct {
	kind  string // "flows" or "themes"
	admin FlowAdmin
	known func(name string) bool
	audit string // the audit event of a change
}

func (c *Console) flowEditor() editor {
	return editor{kind: "flows", admin: c.d.FlowAdmin, known: c.flowKnown, audit: audit.KindFlowChange}
}

// themeEditor edits the themes: any name of a theme's form, a new one
// starting from the admin's starter text; not the shipped theme, which
// a theme changes by naming it as its parent.
func (c *Console) themeEditor() editor {
	known := func(name string) bool {
		return themes.ThemeName.MatchString(name) && name != "default" && !strings.HasPrefix(name, themes.DraftPrefix)
	}
	return editor{kind: "themes", admin: c.d.ThemeAdmin, known: known, audit: audit.KindThemeChange}
}

func (c *Console) flowEdit(w http.ResponseWriter, r *http.Request, m *member) {
	c.edit(w, r, m, c.flowEditor())
}

func (c *Console) themeEdit(w http.ResponseWriter, r *http.Request, m *member) {
	c.edit(w, r, m, c.themeEditor())
}

func (c *Console) flowPreview(w http.ResponseWriter, r *http.Request, m *member) {
	c.preview(w, r, c.flowEditor())
}

func (c *Console) themePreview(w http.ResponseWriter, r *http.Request, m *member) {
	c.preview(w, r, c.themeEditor())
}

// edit shows name's text to change, its versions and, after a check,
// its problems or its differences from what runs.
func (c *Console) edit(w http.ResponseWriter, r *http.Request, m *member, ed editor) {
	name := r.FormValue("name")
	if ed.admin == nil || !ed.known(name) {
		c.message(w, r, http.StatusNotFound, "admin.notfound")
		return
	}
	p := flowEditPage{Kind: ed.kind, Path: "/admin/" + ed.kind, Name: name, Managed: ed.admin.Managed()}
	ctx := r.Context()
	running, err := ed.admin.Text(ctx, name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p.Text = running
	status, notice := http.StatusOK, ""
	if r.Method == http.MethodPost && p.Managed {
		p.Text, p.Note = strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n"), strings.TrimSpace(r.PostFormValue("note"))
		id := r.PostFormValue("version")
		if id != "" { // a rollback: the saved text, not the form's
			p.Text = ""
		}
		switch {
		case len(p.Text) > 64<<10 || len(p.Note) > 300:
			p.Problems, status = []string{m.tr.T("admin.flows.too_long")}, http.StatusUnprocessableEntity
		case id == "" && c.check(ed, &p, running) != nil:
			status = http.StatusUnprocessableEntity
		case id == "" && r.PostFormValue("action") == "check":
			// Checked: kept an hour so that its screens can be seen.
			if p.Draft, p.Screens, err = ed.admin.Draft(ctx, name, []byte(p.Text)); err != nil {
				c.fail(w, r, err)
				return
			}
		case id == "" && r.PostFormValue("action") == "activate" && p.Note == "":
			// A change to what every student goes through says why.
			p.Problems, p.Valid, status = []string{m.tr.T("admin.flows.edit.note_required")}, false, http.StatusUnprocessableEntity
		case r.PostFormValue("action") == "activate" || id != "":
			if id != "" {
				p.Note = m.tr.T("admin.flows.edit.rollback_note", id)
			}
			newID, before, err := ed.admin.Activate(ctx, name, []byte(p.Text), id, m.s.Login, p.Note)
			if err != nil {
				c.fail(w, r, err)
				return
			}
			after, _ := ed.admin.Text(ctx, name)
			detail := name + " → " + newID + "\n" + diffText(lineDiff(before, after))
			e := audit.Event{Kind: ed.audit, Detail: truncate(detail, 2000), Reason: p.Note}
			if ed.kind == "flows" {
				e.Flow = name
			}
			_ = c.record(ctx, m, e)
			p.Text, p.Note, p.Valid, p.Diff = after, "", false, nil
			notice = m.tr.T("admin.flows.activated", newID)
		}
	}
	if p.Versions, p.Active, err = ed.admin.Versions(ctx, name); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, m, status, "admin_flow_edit", "admin.flows.edit.title", view{Current: "flows", Page: p, Notice: notice})
}

// check validates p.Text, filling its problems or its differences from
// running.
func (c *Console) check(ed editor, p *flowEditPage, running string) error {
	err := ed.admin.Check(p.Name, []byte(p.Text))
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				p.Problems = append(p.Problems, line)
			}
		}
		return err
	}
	p.Valid, p.Diff = true, lineDiff(running, p.Text)
	return nil
}

// preview renders one screen of a draft or saved version, in the
// language ?lang= asks, before it runs.
func (c *Console) preview(w http.ResponseWriter, r *http.Request, ed editor) {
	q := r.URL.Query()
	name, id, page := q.Get("name"), q.Get("version"), q.Get("page")
	if ed.admin == nil || !ed.known(name) || !versionID.MatchString(id) || page == "" {
		c.message(w, r, http.StatusNotFound, "admin.notfound")
		return
	}
	if err := ed.admin.Preview(keepCookies{w}, r, name, id, page); errors.Is(err, ErrNoVersion) {
		c.message(w, r, http.StatusNotFound, "admin.flows.preview.gone")
	} else if err != nil {
		c.fail(w, r, err)
	}
}

func (c *Console) flowKnown(name string) bool {
	if c.d.Catalogue == nil {
		return false
	}
	for _, f := range c.d.Catalogue.Flows() {
		if f.Name == name {
			return true
		}
	}
	return false
}

// diffLine is one line of a difference: kept (" "), removed ("-") or
// added ("+").
type diffLine struct{ Op, Text string }

// lineDiff is the line-by-line difference from a to b (a longest common
// subsequence: definitions are tens of lines).
func lineDiff(a, b string) []diffLine {
	x, y := strings.Split(strings.TrimSuffix(a, "\n"), "\n"), strings.Split(strings.TrimSuffix(b, "\n"), "\n")
	if len(x) > 2000 || len(y) > 2000 {
		return []diffLine{{"-", "…"}, {"+", "…"}}
	}
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			out = append(out, diffLine{" ", x[i]})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, diffLine{"-", x[i]})
			i++
		default:
			out = append(out, diffLine{"+", y[j]})
			j++
		}
	}
	return out
}

// diffText is the changed lines only, as the audit trail keeps them.
func diffText(d []diffLine) string {
	var b strings.Builder
	for _, l := range d {
		if l.Op != " " {
			b.WriteString(l.Op + " " + l.Text + "\n")
		}
	}
	return b.String()
}

// truncate cuts s to at most n bytes, on a rune boundary (a definition's
// French text must stay valid UTF-8 for the audit store), marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// versionID is a version's or draft's id: 12 hex digits.
var versionID = regexp.MustCompile(`^[0-9a-f]{12}$`)

// keepCookies drops the cookies a previewed screen would set: a preview
// in English must not switch the staff member's own language.
type keepCookies struct{ http.ResponseWriter }

func (k keepCookies) WriteHeader(code int) {
	k.Header().Del("Set-Cookie")
	k.ResponseWriter.WriteHeader(code)
}

func (k keepCookies) Write(b []byte) (int, error) {
	k.Header().Del("Set-Cookie")
	return k.ResponseWriter.Write(b)
}
