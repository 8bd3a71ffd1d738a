package console

import (
	"net/http"
	"time"
)

// Catalogue says what the students' screens are made of: the flow
// definitions and themes the server runs now, each with where it came
// from and its version.
type Catalogue interface {
	Flows() []FlowInfo
	Themes() []ThemeInfo
}

// FlowInfo is one running flow definition.
type FlowInfo struct {
	Name, Entry, Theme string
	TTL                time.Duration
	Steps              []string
	// Source is "embedded" or the file read; Version a hash of it.
	Source, Version string
}

// ThemeInfo is one loaded theme.
type ThemeInfo struct {
	Name, Parent string
	// Source is "embedded" or the directory read; Version a hash of its
	// files (and its parent's version).
	Source, Version string
}

// flowRow is a flow with its longest duration written for people.
type flowRow struct {
	FlowInfo
	Lasts string
}

type cataloguePage struct {
	Flows               []flowRow
	Themes              []ThemeInfo
	Preview             string // the previews' index, "" when /preview is off
	FlowsDir, ThemesDir string
	ThemesManaged       bool // the console changes the themes (no themes.dir)
}

// catalogueView lists the running flows and themes. It changes nothing:
// on this server they are files (flows.dir, themes.dir, a Kubernetes
// ConfigMap), changed there and reloaded (SIGHUP, or a restart), and the
// page says so rather than offer an edit that the files would undo.
func (c *Console) catalogueView(w http.ResponseWriter, r *http.Request, m *member) {
	p := cataloguePage{FlowsDir: c.d.FlowsDir, ThemesDir: c.d.ThemesDir,
		ThemesManaged: c.d.ThemeAdmin != nil && c.d.ThemeAdmin.Managed()}
	if c.d.Catalogue != nil {
		for _, f := range c.d.Catalogue.Flows() {
			p.Flows = append(p.Flows, flowRow{FlowInfo: f, Lasts: shortDuration(f.TTL)})
		}
		p.Themes = c.d.Catalogue.Themes()
	}
	if c.d.PreviewPath != "" {
		p.Preview = c.d.PreviewPath
	}
	c.render(w, r, m, http.StatusOK, "admin_flows", "admin.flows.title", view{Current: "flows", Page: p})
}
