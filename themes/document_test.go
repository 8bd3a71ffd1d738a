package themes

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

const logo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 44 44"><circle id="p" cx="22" cy="22" r="20" fill="#003a70"/><use href="#p"/></svg>`

// A console theme's document: the name written once reaches the
// copyright and the SMS, the colours are appended to the parent's
// stylesheet, the logo replaces the parent's, and everything else is the
// parent's.
func TestLoadDocument(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	doc := "parent: default\nmessages:\n  fr:\n    university.name: \"Université de Poitiers\"\n    university.sms_name: \"Universite de Poitiers\"\n" +
		"  en:\n    university.name: \"University of Poitiers\"\ncolours:\n  brand: \"#003a70\"\n  accent: \"#0065a4\"\nlogo: |\n  " + logo + "\n"
	th, err := LoadDocument("poitiers", []byte(doc), func(n string) *Theme { return map[string]*Theme{"default": def}[n] })
	if err != nil {
		t.Fatal(err)
	}
	fr := th.Translator("fr")
	if got := fr.T("layout.copyright"); got != "Copyright © Université de Poitiers" {
		t.Errorf("copyright %q", got)
	}
	if sms := fr.T("sms.code", "123456", 10); !strings.HasPrefix(sms, "Universite de Poitiers") {
		t.Errorf("SMS %q", sms)
	}
	if got, want := fr.T("identify.title"), def.Translator("fr").T("identify.title"); got != want {
		t.Errorf("an unchanged message: %q, want the parent's %q", got, want)
	}
	if th.Parent != "default" || len(th.Missing()) > 0 {
		t.Errorf("parent %q, missing %v", th.Parent, th.Missing())
	}
	get := func(path string) string {
		w := httptest.NewRecorder()
		th.Static().ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		body, _ := io.ReadAll(w.Result().Body)
		return string(body)
	}
	if css := get("/seuil.css"); !strings.Contains(css, ":root { --brand: #003a70; --accent: #0065a4; }") || !strings.Contains(css, ".card {") {
		t.Errorf("the stylesheet lacks the parent's rules or the colours:\n%.300s…", css)
	}
	if got := get("/logo.svg"); strings.TrimSpace(got) != logo {
		t.Errorf("logo %q", got)
	}
	if got := get("/seuil.js"); !strings.Contains(got, "function") {
		t.Errorf("the parent's script is not served: %.100q", got)
	}
}

// Every problem of a document at once, each with its line and key.
func TestLoadDocumentProblems(t *testing.T) {
	def, _ := Default()
	parent := func(n string) *Theme { return map[string]*Theme{"default": def}[n] }
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"no parent", "messages: {}\n", []string{"line 1: themes.x.parent: missing"}},
		{"unknown parent", "parent: nowhere\n", []string{`line 1: themes.x.parent: no theme "nowhere"`}},
		{"itself", "parent: x\n", []string{`themes.x.parent: no theme "x"`}},
		{"a draft", "parent: draft-0123456789ab\n", []string{`themes.x.parent: no theme "draft-0123456789ab"`}},
		{"not a mapping", "- a\n", []string{"line 1: themes.x: want a mapping"}},
		{"bad yaml", "parent: [\n", []string{"themes.x: yaml:"}},
		{"everything wrong", "parent: default\nbogus: 1\nmessages:\n  de: {a: b}\n  fr:\n    univ.name: x\n    sms.code: \"sans code\"\n" +
			"colours:\n  brnd: \"#000000\"\n  accent: blue\n  brand: \"#fafafa\"\nlogo: \"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>\"\n", []string{
			"line 2: themes.x.bogus: unknown key",
			"line 4: themes.x.messages.de: no such language",
			"line 6: themes.x.messages.fr.univ.name: no such message in theme default",
			"line 7: themes.x.messages.fr.sms.code: keep the 2 placeholder(s)",
			"line 9: themes.x.colours.brnd: no such colour",
			`line 10: themes.x.colours.accent: "blue" is not a colour`,
			"line 11: themes.x.colours: brand-ink (#ffffff) on brand (#fafafa) has a contrast of 1.0:1; WCAG AA asks 4.5:1",
			"line 12: themes.x.logo: the attribute onload is not allowed",
		}},
		{"script", "parent: default\nlogo: \"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>\"\n", []string{"<script> is not allowed"}},
		{"outside link", "parent: default\nlogo: \"<svg xmlns='http://www.w3.org/2000/svg'><image href='https://evil.example/x.png'/></svg>\"\n", []string{"may only refer to itself"}},
		{"not svg", "parent: default\nlogo: \"<html/>\"\n", []string{"it starts with <html>"}},
		{"entity", "parent: default\nlogo: \"<!DOCTYPE svg [<!ENTITY a 'b'>]><svg xmlns='http://www.w3.org/2000/svg'/>\"\n", []string{"no DOCTYPE or entity"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th, err := LoadDocument("x", []byte(tc.doc), parent)
			if err == nil {
				t.Fatalf("loaded %v", th.Name)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the problems lack %q:\n%v", w, err)
				}
			}
			if got, want := strings.Count(err.Error(), "\n")+1, len(tc.want); tc.name == "everything wrong" && got != want {
				t.Errorf("%d problems, want %d:\n%v", got, want, err)
			}
		})
	}
}

func TestContrast(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{{"#000000", "#ffffff", 21}, {"#fff", "#fff", 1}, {"#1d3557", "#ffffff", 12.36}, {"#777777", "#ffffff", 4.48}} {
		if got := contrast(tc.a, tc.b); got < tc.want-0.01 || got > tc.want+0.01 {
			t.Errorf("contrast(%s, %s) = %.2f, want %.1f", tc.a, tc.b, got, tc.want)
		}
	}
}
