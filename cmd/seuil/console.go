package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/catalog"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/console"
	"github.com/seuil-idp/seuil/idp/credentials"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/staff"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// openAudit opens the configured audit store and starts pruning it.
func openAudit(ctx context.Context, c auditSettings, log *slog.Logger, cl *closers) (*audit.Trail, error) {
	var store audit.Store
	switch c.Store {
	case "file":
		f, err := audit.OpenFile(c.File)
		if err != nil {
			return nil, fmt.Errorf("audit.file: %w", err)
		}
		cl.add(f.Close)
		store = f
	case "postgres":
		pg, err := audit.OpenPostgres(ctx, c.DSN, c.Table)
		if err != nil {
			return nil, fmt.Errorf("audit.dsn: %w", err)
		}
		cl.add(pg.Close)
		store = pg
	}
	t := audit.New(store, log, c.Retention)
	if store != nil {
		pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		go t.Run(pctx, time.Hour)
		cl.add(func() error { cancel(); return nil })
	}
	return t, nil
}

type consoleDeps struct {
	store   *state.Store
	reg     *regulation.Regulator
	dir     directory.Directory
	src     students.Source
	op      *provider.Provider
	theme   *themes.Theme
	trail   *audit.Trail
	cookies websec.Cookies
	proxies []netip.Prefix
	prefix  string
	log     *slog.Logger
	mail    notify.Mailer
	// sendCode sends a helpdesk code (flows.Handler.SendHelpdeskCode).
	sendCode func(ctx context.Context, studentID, lang string) (sms, mail string, err error)
	// skipped lists the rows the student source left out (CSV), or nil.
	skipped func() ([]students.SkippedRow, int)
	funnel  console.Funnel
	// catalogue lists the running flows and themes; preview is
	// /preview's path, "" when off.
	catalogue console.Catalogue
	preview   string
	deferred  *notify.Deferred // the last SMS of a student, for the case page
	flows     console.FlowAdmin
	themes    console.FlowAdmin
}

// newVault is the credential store on the directory, sealed with
// staff.credentials_key: the staff's second factors and the students'
// passkeys.
func newVault(c consoleSettings, dir directory.Directory) (*credentials.Vault, error) {
	backend, ok := dir.(credentials.Backend)
	if !ok {
		return nil, fmt.Errorf("the directory cannot hold credentials")
	}
	key, err := c.credentialsKey()
	if err != nil {
		return nil, err
	}
	return credentials.NewVault(backend, key)
}

// newConsole builds the staff console: second factors sealed in the
// directory, roles from staff.*, the provider's sessions.
func newConsole(set settings, d consoleDeps) (*console.Console, error) {
	vault, err := newVault(set.Console, d.dir)
	if err != nil {
		return nil, err
	}
	members, _ := d.dir.(staff.Memberships)
	pattern := set.Flows.LoginPattern
	return console.New(console.Deps{
		Sessions: d.op.Sessions(), Ender: d.op, Roles: set.Console.Roles, Members: members,
		Factors:  staff.NewFactors(vault, d.store, d.reg, set.Console.Roles.Issuer),
		Accounts: d.dir, Students: d.src, Limits: d.reg, Trail: d.trail, Theme: d.theme,
		Cookies: d.cookies, Secret: set.Keys.Console, SendCode: d.sendCode, Skipped: d.skipped, Funnel: d.funnel, SMSPrice: set.Console.PricePerSMS, BasePath: d.prefix, LoginPath: d.prefix + "/login",
		Proxies: d.proxies, Logger: d.log, HSTS: set.Flows.HSTS,
		LoginFor: func(id string) string { return directory.ExpandLogin(pattern, id, "") },
		SendMail: func(ctx context.Context, to string, m themes.Mail) error {
			err := d.mail.SendMail(ctx, notify.Mail{To: to, Subject: m.Subject, Text: m.Text, HTML: m.HTML})
			if errors.Is(err, notify.ErrDeferred) {
				return nil // on its way: sent, for the staff member
			}
			return err
		},
		ResetURL:  set.Server.resetURL(),
		Catalogue: d.catalogue, FlowsDir: set.Flows.DefinitionsDir, ThemesDir: set.Themes.Dir, PreviewPath: d.preview,
		FlowAdmin: d.flows, ThemeAdmin: d.themes,
		LastSMS: func(ctx context.Context, studentID string) (string, time.Time, bool) {
			if d.deferred == nil {
				return "", time.Time{}, false
			}
			st, err := d.deferred.Last(ctx, studentID)
			return st.State, st.At, err == nil
		},
	})
}

// catalogue is the console's view of the running flows and themes.
type catalogue struct {
	flows  func() map[string]*flows.Definition
	themes *themes.Registry
}

func (c catalogue) Flows() []console.FlowInfo {
	defs := c.flows()
	out := make([]console.FlowInfo, 0, len(defs))
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		d := defs[name]
		fi := console.FlowInfo{Name: d.Name, Entry: d.Entry, Theme: d.Theme, TTL: d.TTL, Source: d.Source, Version: d.Version}
		for _, s := range d.Steps {
			fi.Steps = append(fi.Steps, s.Name())
		}
		out = append(out, fi)
	}
	return out
}

func (c catalogue) Themes() []console.ThemeInfo {
	all := c.themes.All()
	out := make([]console.ThemeInfo, 0, len(all))
	for _, name := range slices.Sorted(maps.Keys(all)) {
		t := all[name]
		out = append(out, console.ThemeInfo{Name: t.Name, Parent: t.Parent, Source: t.Source, Version: t.Version})
	}
	return out
}

// consoleFlows lets the console change the flow definitions: versions in
// the catalog (Redis), checked by the flows as serve checks them, made
// what every replica runs (each reloads when the catalog's generation
// moves). Where flows.dir is set, the files rule and nothing changes.
type consoleFlows struct {
	fh      *flows.Handler
	cat     *catalog.Store
	managed bool
	reload  func() error // the themes and the flows, on this replica
}

func (c consoleFlows) Managed() bool { return c.managed }

func (c consoleFlows) Text(ctx context.Context, name string) (string, error) {
	d := c.fh.Definitions()[name]
	switch {
	case d == nil:
		return "", fmt.Errorf("no flow %q", name)
	case d.Source == "console":
		if _, active, err := c.cat.History(ctx, name); err == nil && active != "" {
			v, err := c.cat.Version(ctx, name, active)
			return v.YAML, err
		}
	case d.Source != "embedded":
		raw, err := os.ReadFile(d.Source)
		return string(raw), err
	}
	raw, err := flows.Shipped(name)
	return string(raw), err
}

func (c consoleFlows) Check(name string, raw []byte) error { return c.fh.Check(name, raw) }

func (c consoleFlows) Versions(ctx context.Context, name string) ([]console.FlowVersion, string, error) {
	return versionsOf(ctx, c.cat, name)
}

func (c consoleFlows) Draft(ctx context.Context, name string, raw []byte) (string, []string, error) {
	screens, err := c.fh.Screens(name, raw)
	if err != nil {
		return "", nil, err
	}
	if !c.managed {
		return "", nil, errors.New("flows.dir is set: the definitions are files")
	}
	id, err := c.cat.SaveDraft(ctx, name, string(raw))
	return id, screens, err
}

func (c consoleFlows) Preview(w http.ResponseWriter, r *http.Request, name, id, page string) error {
	text, err := c.cat.Text(r.Context(), name, id)
	if errors.Is(err, catalog.ErrNoVersion) {
		return console.ErrNoVersion
	}
	if err != nil {
		return err
	}
	return c.fh.PreviewCandidate(w, r, name, []byte(text), page)
}

func (c consoleFlows) Activate(ctx context.Context, name string, raw []byte, id, by, note string) (string, string, error) {
	if !c.managed {
		return "", "", errors.New("flows.dir is set: the definitions are files")
	}
	// Checked again, whichever way it came: the themes or the login
	// pattern may have changed since it was saved.
	return activateText(ctx, c.cat, name, raw, id, by, note, func(raw []byte) error { return c.fh.Check(name, raw) }, c.Text, c.reload)
}

// versionsOf lists name's saved versions in cat, newest first, and the
// active one's id.
func versionsOf(ctx context.Context, cat *catalog.Store, name string) ([]console.FlowVersion, string, error) {
	hist, active, err := cat.History(ctx, name)
	if err != nil {
		return nil, "", err
	}
	out := make([]console.FlowVersion, 0, len(hist))
	for _, v := range hist {
		out = append(out, console.FlowVersion{ID: v.ID, By: v.By, Note: v.Note, At: v.At})
	}
	return out, active, nil
}

// activateText makes raw (or, when id is given, that saved version of
// name) what every replica runs, after check; the version is saved in
// cat, made active, and loaded here at once by reload (the others when
// their watch sees the generation move). It returns the version's id
// and the text running before (running).
func activateText(ctx context.Context, cat *catalog.Store, name string, raw []byte, id, by, note string,
	check func([]byte) error, running func(context.Context, string) (string, error), reload func() error) (string, string, error) {
	if id != "" {
		v, err := cat.Version(ctx, name, id)
		if err != nil {
			return "", "", err
		}
		raw = []byte(v.YAML)
	}
	if err := check(raw); err != nil {
		return "", "", err
	}
	before, err := running(ctx, name)
	if err != nil {
		return "", "", err
	}
	if id == "" {
		if id, err = cat.Save(ctx, name, catalog.Version{YAML: string(raw), By: by, At: time.Now(), Note: note}); err != nil {
			return "", "", err
		}
	}
	if _, err := cat.Activate(ctx, name, id); err != nil {
		return "", "", err
	}
	return id, before, reload()
}
