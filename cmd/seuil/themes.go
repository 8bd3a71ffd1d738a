package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/catalog"
	"github.com/seuil-idp/seuil/idp/console"
	"github.com/seuil-idp/seuil/themes"
)

// withConsoleThemes returns base (the shipped theme and themes.dir's)
// and the themes the console put in service, each loaded from its active
// document over its parent, parents first.
func withConsoleThemes(ctx context.Context, base map[string]*themes.Theme, cat *catalog.Store) (map[string]*themes.Theme, error) {
	active, err := cat.Active(ctx)
	if err != nil {
		return nil, fmt.Errorf("themes from the console: %w", err)
	}
	out := maps.Clone(base)
	for len(active) > 0 {
		loaded := 0
		for _, name := range slices.Sorted(maps.Keys(active)) {
			var m themes.Manifest
			_ = yaml.Unmarshal(active[name], &m) // LoadDocument says what is wrong
			if _, waiting := active[m.Parent]; waiting && out[m.Parent] == nil {
				continue
			}
			t, err := themes.LoadDocument(name, active[name], func(n string) *themes.Theme { return out[n] })
			if err != nil {
				return nil, fmt.Errorf("the console's theme %s: %w", name, err)
			}
			t.Source = "console"
			out[name] = t
			delete(active, name)
			loaded++
		}
		if loaded == 0 {
			return nil, fmt.Errorf("themes from the console whose parent is unknown or themselves: %s",
				strings.Join(slices.Sorted(maps.Keys(active)), ", "))
		}
	}
	return out, nil
}

// consoleThemes lets the console change the themes: theme documents
// (themes.LoadDocument) kept as versions in the catalog, checked as a
// start would load them, made what every replica runs. Where themes.dir
// is set, the files rule and nothing changes.
type consoleThemes struct {
	reg     *themes.Registry
	cat     *catalog.Store // the themes' catalog
	fh      *flows.Handler // renders the previews
	managed bool
	reload  func() error // the themes and the flows, on this replica
}

// themeScreens are the screens a theme's preview shows: the activation
// flow's and the sign-in page.
var themeScreens = []string{"identify", "verify", "password", "done", "login"}

// themeStarter is a new theme's first text: the university's name, the
// main colour and a logo to replace.
const themeStarter = `# A theme changes the one it names as parent, and only what it writes.
parent: default
messages:
  fr:
    university.name: "Université d'Exemple"
    university.sms_name: "Universite d'Exemple"   # GSM-7 letters: an accent makes a text cost two
    university.kind: "Université"
    university.city: "d'Exemple"
  en:
    university.name: "University of Exemple"
    university.sms_name: "University of Exemple"
colours:
  brand: "#1d3557"
# logo: |
#   <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 44 44">…</svg>
`

func (c consoleThemes) Managed() bool { return c.managed }

func (c consoleThemes) Text(ctx context.Context, name string) (string, error) {
	_, active, err := c.cat.History(ctx, name)
	if err != nil || active == "" {
		return themeStarter, err
	}
	v, err := c.cat.Version(ctx, name, active)
	return v.YAML, err
}

// parents finds a theme's parent among those in service, refusing one
// that descends from the theme itself (the two could not load at the
// next start).
func (c consoleThemes) parents(name string) func(string) *themes.Theme {
	return func(n string) *themes.Theme {
		for p := c.reg.Get(n); p != nil; p = c.reg.Get(p.Parent) {
			if p.Name == name {
				return nil
			}
			if p.Parent == "" {
				break
			}
		}
		return c.reg.Get(n)
	}
}

func (c consoleThemes) Check(name string, raw []byte) error {
	if !themes.ThemeName.MatchString(name) || name == "default" || strings.HasPrefix(name, themes.DraftPrefix) {
		return fmt.Errorf("themes.%s: not a name the console may give a theme", name)
	}
	if t := c.reg.Get(name); t != nil && t.Source != "console" {
		return fmt.Errorf("themes.%s: a theme of that name comes from %s", name, t.Source)
	}
	_, err := themes.LoadDocument(name, raw, c.parents(name))
	return err
}

func (c consoleThemes) Versions(ctx context.Context, name string) ([]console.FlowVersion, string, error) {
	return versionsOf(ctx, c.cat, name)
}

func (c consoleThemes) Activate(ctx context.Context, name string, raw []byte, id, by, note string) (string, string, error) {
	if !c.managed {
		return "", "", errors.New("themes.dir is set: the themes are directories")
	}
	return activateText(ctx, c.cat, name, raw, id, by, note, func(raw []byte) error { return c.Check(name, raw) }, c.Text, c.reload)
}

// draft loads a theme's text as the draft to preview, named after its
// id, so that its pages and static files are served under that name.
func (c consoleThemes) draft(name, id string, raw []byte) error {
	t, err := themes.LoadDocument(themes.DraftPrefix+id, raw, c.parents(name))
	if err != nil {
		return err
	}
	c.reg.AddDraft(t)
	return nil
}

func (c consoleThemes) Draft(ctx context.Context, name string, raw []byte) (string, []string, error) {
	if err := c.Check(name, raw); err != nil {
		return "", nil, err
	}
	id, err := c.cat.SaveDraft(ctx, name, string(raw))
	if err != nil {
		return "", nil, err
	}
	return id, themeScreens, c.draft(name, id, raw)
}

func (c consoleThemes) Preview(w http.ResponseWriter, r *http.Request, name, id, page string) error {
	if c.reg.Get(themes.DraftPrefix+id) == nil {
		// Drafted on another replica, or forgotten here: from the catalog.
		text, err := c.cat.Text(r.Context(), name, id)
		if errors.Is(err, catalog.ErrNoVersion) {
			return console.ErrNoVersion
		}
		if err != nil {
			return err
		}
		if err := c.draft(name, id, []byte(text)); err != nil {
			return err
		}
	}
	return c.fh.PreviewTheme(w, r, themes.DraftPrefix+id, page)
}
