package themes_test

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/themes"
)

// The default theme ships complete in every language.
func TestDefaultComplete(t *testing.T) {
	th, err := themes.Default()
	if err != nil {
		t.Fatal(err)
	}
	if m := th.Missing(); len(m) > 0 {
		t.Fatalf("untranslated keys: %v", m)
	}
	for _, name := range []string{"code", "done"} {
		for _, lang := range themes.Languages {
			m, err := th.RenderMail(name, lang, map[string]any{"Code": "123456", "Minutes": 15, "Login": "22012345T"})
			if err != nil || m.Subject == "" || strings.Contains(m.Text+m.HTML, "mail.") {
				t.Fatalf("mail %s/%s: %v %+v", name, lang, err, m)
			}
		}
	}
}

// No inline script, style or event handler: the CSP forbids them.
func TestNoInlineScriptOrStyle(t *testing.T) {
	bad := regexp.MustCompile(`(?i)<script>|<script\s+[^>]*>[^<\s]|<style|\sstyle=|\son[a-z]+=|javascript:`)
	err := fs.WalkDir(os.DirFS("default/templates"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "mail_") {
			return err // mails are not pages: mail clients need inline styles
		}
		raw, err := os.ReadFile("default/templates/" + p)
		if err != nil {
			return err
		}
		if loc := bad.FindIndex(raw); loc != nil {
			t.Errorf("%s: inline script or style: %q", p, raw[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Links a page shows are theme settings: the footer's (the
// specification's "Accès à l'ENT") and the password screen's ANSSI
// document, a PDF.
func TestThemeLinks(t *testing.T) {
	th, err := themes.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range themes.Languages {
		tr := th.Translator(lang)
		links := tr.Links("layout.footer")
		if len(links) == 0 || links[0].URL != "https://ent.univ-tours.fr/" {
			t.Errorf("%s: footer links %+v", lang, links)
		}
		if u := tr.T("password.anssi.url"); !strings.HasSuffix(u, ".pdf") || !strings.Contains(tr.T("password.anssi"), "PDF") {
			t.Errorf("%s: ANSSI link %q, %q", lang, u, tr.T("password.anssi"))
		}
	}
}

// The phone examples never wrap mid-number (at 320 px they did): their
// spaces are non-breaking.
func TestPhoneExamplesDoNotWrap(t *testing.T) {
	th, err := themes.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range themes.Languages {
		hint := th.Translator(lang).T("identify.phone.hint")
		for _, n := range []string{"07\u00a088\u00a010\u00a025\u00a099", "+33\u00a07\u00a088\u00a010\u00a025\u00a099", "+32\u00a0470\u00a012\u00a034\u00a056"} {
			if !strings.Contains(hint, n) {
				t.Errorf("%s: %q lacks the unbreakable %q", lang, hint, n)
			}
		}
	}
}
