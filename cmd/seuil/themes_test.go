package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// themes.dir's themes name their parent in theme.yaml: a chain loads in
// any order, each holding only its changes; an unknown parent or a cycle
// stops the start, naming the themes.
func TestThemeParents(t *testing.T) {
	t.Parallel()
	write := func(dir, name, parent string, msgs map[string]string) {
		t.Helper()
		for _, lang := range []string{"fr", "en"} {
			if err := os.MkdirAll(filepath.Join(dir, name, "i18n", lang), 0o700); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for k, v := range msgs {
				b.WriteString(k + ": \"" + v + " (" + lang + ")\"\n")
			}
			writeFile(t, filepath.Join(dir, name, "i18n", lang, "x.yaml"), b.String())
		}
		writeFile(t, filepath.Join(dir, name, "theme.yaml"), "parent: "+parent+"\n")
	}
	dir := t.TempDir()
	write(dir, "a-faculty", "univ", map[string]string{"identify.title": "Faculté"})
	write(dir, "univ", "default", map[string]string{"university.name": "Université d'Exemple"})
	ths, err := loadThemes(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Each theme says its parent, its directory and a version that
	// follows its own files and its parent's.
	if f, u := ths["a-faculty"], ths["univ"]; f.Parent != "univ" || f.Source != filepath.Join(dir, "a-faculty") ||
		u.Parent != "default" || ths["default"].Source != "embedded" || len(f.Version) != 12 || f.Version == u.Version {
		t.Errorf("faculty %s %s %s, univ %s %s", f.Parent, f.Source, f.Version, u.Parent, u.Version)
	}
	before := ths["a-faculty"].Version
	write(dir, "univ", "default", map[string]string{"university.name": "Université d'Ailleurs"})
	if again, err := loadThemes(dir); err != nil || again["a-faculty"].Version == before || again["univ"].Version == ths["univ"].Version {
		t.Errorf("a change to the parent leaves the child's version %s (was %s): %v", again["a-faculty"].Version, before, err)
	}
	fac := ths["a-faculty"].Translator("fr")
	if fac.T("identify.title") != "Faculté (fr)" || fac.T("layout.copyright") != "Copyright © Université d'Exemple (fr)" {
		t.Errorf("the faculty's theme: %q, %q", fac.T("identify.title"), fac.T("layout.copyright"))
	}
	for _, c := range []struct{ name, parent, want string }{
		{"lost", "nowhere", "lost (parent nowhere)"},
		{"self", "self", "self (parent self)"},
	} {
		d := t.TempDir()
		write(d, c.name, c.parent, map[string]string{"identify.title": "x"})
		if _, err := loadThemes(d); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
