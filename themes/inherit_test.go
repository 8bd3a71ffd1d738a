package themes

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// A university's theme inherits the default and holds only what it
// changes: its name (written once: the copyright and the SMS follow it),
// its logo, one page. Everything else is the parent's, translations
// included, and it is complete.
func TestInheritingTheme(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	child := fstest.MapFS{
		"i18n/fr/brand.yaml":        {Data: []byte("university.name: \"Université d'Exemple\"\nuniversity.sms_name: \"Universite d'Exemple\"\n")},
		"i18n/en/brand.yaml":        {Data: []byte("university.name: \"University of Exemple\"\nuniversity.sms_name: \"University of Exemple\"\n")},
		"static/logo.svg":           {Data: []byte("<svg id=\"exemple\"/>")},
		"templates/login_done.html": {Data: []byte(`{{define "content"}}<h1>Exemple: {{.T "login.done.heading"}}</h1>{{end}}`)},
	}
	th, err := LoadInheriting("exemple", child, def)
	if err != nil {
		t.Fatal(err)
	}
	fr := th.Translator("fr")
	for key, want := range map[string]string{
		"university.name":  "Université d'Exemple",
		"layout.copyright": "Copyright © Université d'Exemple",
		"identify.title":   def.Translator("fr").T("identify.title"),
	} {
		if got := fr.T(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if sms := fr.T("sms.code", "123456", 10); !strings.HasPrefix(sms, "Universite d'Exemple : ") {
		t.Errorf("the SMS does not follow the name: %q", sms)
	}
	if m := th.Missing(); len(m) != 0 {
		t.Errorf("the child lacks %v", m)
	}
	if len(th.Pages()) != len(def.Pages()) {
		t.Errorf("%d pages, the parent has %d", len(th.Pages()), len(def.Pages()))
	}
	logo, _ := fs.ReadFile(th.static, "logo.svg")
	css, err := fs.ReadFile(th.static, "seuil.css")
	if !strings.Contains(string(logo), "exemple") || err != nil || len(css) == 0 {
		t.Errorf("static files: logo %q, css %d bytes, %v", logo, len(css), err)
	}
	var b strings.Builder
	if err := th.Render(&b, "login_done", View{Translator: fr, Title: "login.done.title", Data: map[string]string{}}); err != nil ||
		!strings.Contains(b.String(), "Exemple: Vous êtes connecté") || !strings.Contains(b.String(), "Copyright © Université d&#39;Exemple") {
		t.Errorf("the overridden page: %v\n%s", err, b.String())
	}
	if def.Translator("fr").T("university.name") != "Université de Tours" {
		t.Error("the child changed its parent")
	}
}
