// Package themes loads and renders the look of Seuil's pages: html/template
// pages sharing one layout, static assets (one CSS file, a logo, one small
// script) and translations, per theme. The default theme is embedded; admins
// add themes as directories with the same shape (see themes/default).
package themes

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed default
var embedded embed.FS

// Languages Seuil ships translations for, the first being the default.
var Languages = []string{"fr", "en"}

// Theme is one loaded theme: parsed pages, static files and translations.
type Theme struct {
	Name string
	// Parent is the theme this one inherits from ("" for none); Version
	// is the first 12 hex digits of a SHA-256 over its own files (names
	// and contents), the same wherever the same files are read. Source
	// says where they were read ("embedded", or a directory), for the
	// console; the loader's caller sets it.
	Parent, Version, Source string

	pages  map[string]*template.Template
	static fs.FS
	msgs   map[string]map[string]string // lang → key → text, references resolved
	raw    map[string]map[string]string // as written, for a child theme to merge over
	files  fs.FS                        // the theme's files, for a child theme to overlay
	mails  map[string]mailTemplates
}

// Default returns the embedded default theme.
func Default() (*Theme, error) {
	return Load("default", DefaultFS())
}

// DefaultFS is the embedded default theme's files: the starting point of a
// university's own theme (copy, then change what differs).
func DefaultFS() fs.FS {
	sub, err := fs.Sub(embedded, "default")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// Load reads a theme from fsys, which holds templates/*.html (layout.html
// plus one file per page), static/ and i18n/<lang>/*.yaml.
func Load(name string, fsys fs.FS) (*Theme, error) {
	raw, err := loadMessages(name, fsys)
	if err != nil {
		return nil, err
	}
	// An overlay (LoadInheriting) cannot be listed: its caller sets the
	// version from the layers.
	version, _ := filesVersion(fsys, "")
	t := &Theme{Name: name, Version: version, Source: "embedded", pages: map[string]*template.Template{}, raw: raw, msgs: resolveAll(raw), files: fsys}
	layout, err := fs.ReadFile(fsys, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("theme %s: %w", name, err)
	}
	base, err := template.New("layout").Parse(string(layout))
	if err != nil {
		return nil, fmt.Errorf("theme %s: layout.html: %w", name, err)
	}
	pages, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		page := strings.TrimSuffix(path.Base(p), ".html")
		if page == "layout" || strings.HasPrefix(page, "mail_") {
			continue
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		tpl, err := template.Must(base.Clone()).Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("theme %s: %s: %w", name, p, err)
		}
		t.pages[page] = tpl
	}
	if err := t.loadMails(fsys); err != nil {
		return nil, err
	}
	if st, err := fs.Sub(fsys, "static"); err == nil {
		t.static = st
	}
	return t, nil
}

// loadMessages reads i18n/<lang>/*.yaml, each key once per language.
func loadMessages(name string, fsys fs.FS) (map[string]map[string]string, error) {
	msgs := map[string]map[string]string{}
	for _, lang := range Languages {
		msgs[lang] = map[string]string{}
		files, err := fs.Glob(fsys, "i18n/"+lang+"/*.yaml")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			raw, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, fmt.Errorf("theme %s: %w", name, err)
			}
			var m map[string]string
			if err := yaml.Unmarshal(raw, &m); err != nil {
				return nil, fmt.Errorf("theme %s: %s: %w", name, f, err)
			}
			for k, v := range m {
				if _, dup := msgs[lang][k]; dup {
					return nil, fmt.Errorf("theme %s: %s: key %q defined twice", name, f, k)
				}
				msgs[lang][k] = v
			}
		}
	}
	return msgs, nil
}

// Pages lists the theme's page names, sorted (for previews and checks).
func (t *Theme) Pages() []string {
	out := make([]string, 0, len(t.pages))
	for p := range t.pages {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Missing lists translation keys present in one language but not another,
// as "lang:key", so a theme cannot ship half-translated.
func (t *Theme) Missing() []string {
	var out []string
	for _, a := range Languages {
		for _, b := range Languages {
			for k := range t.msgs[a] {
				if _, ok := t.msgs[b][k]; !ok {
					out = append(out, b+":"+k)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Translator returns the translations of one language.
func (t *Theme) Translator(lang string) Translator {
	if _, ok := t.msgs[lang]; !ok {
		lang = Languages[0]
	}
	return Translator{Lang: lang, msgs: t.msgs[lang]}
}

// Render executes page with the view into w. The page is rendered into a
// buffer first so that a template error never sends half a page.
func (t *Theme) Render(w io.Writer, page string, v View) error {
	tpl, ok := t.pages[page]
	if !ok {
		return fmt.Errorf("theme %s: no page %q", t.Name, page)
	}
	if v.Translator.msgs == nil {
		v.Translator = t.Translator(v.Lang)
	}
	v.Lang = v.Translator.Lang
	var buf bytes.Buffer
	if err := tpl.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("theme %s: render %s: %w", t.Name, page, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Static serves the theme's static files; mount it under a prefix with
// http.StripPrefix.
func (t *Theme) Static() http.Handler {
	if t.static == nil {
		return http.NotFoundHandler()
	}
	fsrv := http.FileServerFS(t.static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// View is what every page template receives: the language, a translator
// ({{.T "key"}}), and the page's own data in Data.
type View struct {
	Translator
	Title     string // translation key of the page title
	CSRFToken string // hidden field value for forms
	Static    string // URL prefix of the theme's static files, e.g. "/static/default"
	LangLinks []LangLink
	Data      any
}

// LangLink is one entry of the language switch.
type LangLink struct {
	Lang, Label, URL string
	Current          bool
}

// Translator looks messages up in one language.
type Translator struct {
	Lang string
	msgs map[string]string
	flow string // ForFlow: "flow.<flow>.<key>" overrides "<key>"
}

// Link is a theme's link setting: a label and a URL.
type Link struct{ Label, URL string }

// Links returns the theme's numbered links under prefix, in order:
// "<prefix>.1.label" and "<prefix>.1.url", then 2, … up to 9 (the
// footer's links are "layout.footer"). A theme sets them as texts, per
// language, like every other setting a page shows.
func (tr Translator) Links(prefix string) []Link {
	var out []Link
	for i := 1; i <= 9; i++ {
		n := prefix + "." + string(rune('0'+i))
		label, url := tr.msgs[n+".label"], tr.msgs[n+".url"]
		if label != "" && url != "" {
			out = append(out, Link{Label: label, URL: url})
		}
	}
	return out
}

// ForFlow returns the translator of a flow's pages: a message the theme
// gives as "flow.<name>.<key>" (flow.reset.done.title) replaces "<key>"
// there, so that each flow has its own words, titles and done page
// without a fork of the templates.
func (tr Translator) ForFlow(name string) Translator {
	tr.flow = name
	return tr
}

// T returns the message for key, formatted with args (fmt verbs) when
// given. An unknown key renders as the key itself so that a missing
// translation is visible, never blank.
func (tr Translator) T(key string, args ...any) string {
	msg, ok := "", false
	if tr.flow != "" {
		msg, ok = tr.msgs["flow."+tr.flow+"."+key]
	}
	if !ok {
		msg, ok = tr.msgs[key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Date writes a day as readers of the language expect: 14/06/2027 in
// French, 14 June 2027 in English.
func (tr Translator) Date(t time.Time) string {
	if tr.Lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("02/01/2006")
}

// Negotiate picks the page language: an explicit ?lang= (the language
// switch, or a relying party's ui_locales passed on), then the cookie the
// switch sets, then French. Accept-Language is deliberately not consulted:
// the service is French first (the specification's screens are French, and
// a browser set to English on a campus computer must not surprise a
// student); English is one click away on every page.
func Negotiate(r *http.Request, cookieName string) string {
	if l := r.URL.Query().Get("lang"); supported(l) {
		return l
	}
	if c, err := r.Cookie(cookieName); err == nil && supported(c.Value) {
		return c.Value
	}
	return Languages[0]
}

// LangLinks builds the language switch for the page at path: one link per
// language, each keeping the query (e.g. a pending sign-in's id) with lang
// set. The path is the request's, whatever it was (a not-found page shows
// any): leading slashes and backslashes collapse to one, so that "//host/x"
// cannot become a link off-site.
func LangLinks(path string, query url.Values, current string) []LangLink {
	path = "/" + strings.TrimLeft(path, "/\\")
	out := make([]LangLink, 0, len(Languages))
	for _, l := range Languages {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("lang", l)
		out = append(out, LangLink{Lang: l, Label: languageNames[l], URL: path + "?" + q.Encode(), Current: l == current})
	}
	return out
}

// languageNames are each language's name in itself, as language switches
// show them.
var languageNames = map[string]string{"fr": "Français", "en": "English"}

// LangCookie is the base name of the cookie that remembers the language
// switch (websec.Cookies adds "__Host-" over HTTPS).
const LangCookie = "seuil_lang"

// CookieJar names and sets the language cookie (websec.Cookies has it):
// themes only pick a language, the cookie's security attributes are
// the caller's.
type CookieJar interface {
	Name(base string) string
	Set(w http.ResponseWriter, base, value string, maxAge time.Duration)
}

// Language picks the page language (see Negotiate) and, when the request
// switches it explicitly (?lang=), remembers the choice for a year, so that
// the flows and the sign-in pages agree on it.
func Language(w http.ResponseWriter, r *http.Request, c CookieJar) string {
	l := Negotiate(r, c.Name(LangCookie))
	if r.URL.Query().Get("lang") == l {
		c.Set(w, LangCookie, l, 365*24*time.Hour)
	}
	return l
}

func supported(l string) bool {
	for _, s := range Languages {
		if l == s {
			return true
		}
	}
	return false
}

// filesVersion hashes every file of fsys, its path and its content, in
// path order, after base (a parent's version).
func filesVersion(fsys fs.FS, base string) (string, error) {
	h := sha256.New()
	h.Write([]byte(base))
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(raw))
		h.Write(raw)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:6]), nil
}
