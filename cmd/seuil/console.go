package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
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
func openAudit(ctx context.Context, c config.Audit, log *slog.Logger, cl *closers) (*audit.Trail, error) {
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
		pg, err := audit.OpenPostgres(ctx, c.DSN.Value(), c.Table)
		if err != nil {
			return nil, fmt.Errorf("audit.dsn: %w", err)
		}
		cl.add(pg.Close)
		store = pg
	}
	t := audit.New(store, log, time.Duration(c.RetentionDays)*24*time.Hour)
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
}

// derive makes a purpose's key from oidc.secret, which every replica
// shares, so that one secret is configured, not one per purpose.
func derive(cfg *config.Config, purpose string) []byte {
	mac := hmac.New(sha256.New, []byte(cfg.OIDC.Secret.Value()))
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// newVault is the credential store on the directory, sealed with
// staff.credentials_key: the staff's second factors and the students'
// passkeys.
func newVault(cfg *config.Config, dir directory.Directory) (*credentials.Vault, error) {
	backend, ok := dir.(credentials.Backend)
	if !ok {
		return nil, fmt.Errorf("the directory cannot hold credentials")
	}
	key, err := cfg.Staff.Key()
	if err != nil {
		return nil, fmt.Errorf("staff.credentials_key: %w", err)
	}
	return credentials.NewVault(backend, key)
}

// newConsole builds the staff console: second factors sealed in the
// directory, roles from staff.*, the provider's sessions.
func newConsole(cfg *config.Config, d consoleDeps) (*console.Console, error) {
	vault, err := newVault(cfg, d.dir)
	if err != nil {
		return nil, err
	}
	members, _ := d.dir.(staff.Memberships)
	pattern := cfg.Sync.LoginPattern
	return console.New(console.Deps{
		Sessions: d.op.Sessions(), Ender: d.op, Roles: cfg.Staff.Config, Members: members,
		Factors:  staff.NewFactors(vault, d.store, d.reg, cfg.Staff.Issuer),
		Accounts: d.dir, Students: d.src, Limits: d.reg, Trail: d.trail, Theme: d.theme,
		Cookies: d.cookies, Secret: derive(cfg, "seuil console forms"), SendCode: d.sendCode, Skipped: d.skipped, Funnel: d.funnel, SMSPrice: cfg.SMS.PricePerSMS, BasePath: d.prefix, LoginPath: d.prefix + "/login",
		Proxies: d.proxies, Logger: d.log, HSTS: strings.HasPrefix(cfg.Server.PublicURL, "https:"),
		LoginFor: func(id string) string { return directory.ExpandLogin(pattern, id, "") },
		SendMail: func(ctx context.Context, to string, m themes.Mail) error {
			return d.mail.SendMail(ctx, notify.Mail{To: to, Subject: m.Subject, Text: m.Text, HTML: m.HTML})
		},
		ResetURL: strings.TrimRight(cfg.Server.PublicURL, "/") + "/reset",
	})
}
