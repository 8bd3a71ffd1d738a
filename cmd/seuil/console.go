package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/seuil-idp/seuil/flows"
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
	themes map[string]*themes.Theme
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
	out := make([]console.ThemeInfo, 0, len(c.themes))
	for _, name := range slices.Sorted(maps.Keys(c.themes)) {
		t := c.themes[name]
		out = append(out, console.ThemeInfo{Name: t.Name, Parent: t.Parent, Source: t.Source, Version: t.Version})
	}
	return out
}
