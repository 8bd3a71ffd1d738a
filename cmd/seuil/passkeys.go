package main

import (
	"fmt"
	"log/slog"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/passkey"
	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

type passkeyDeps struct {
	store   *state.Store
	dir     directory.Directory
	op      *provider.Provider
	theme   *themes.Theme
	trail   *audit.Trail
	cookies websec.Cookies
	prefix  string
	log     *slog.Logger
}

// newPasskeys builds the passkey ceremonies and "Mon compte": passkeys
// sealed in the directory with staff.credentials_key, the relying party
// being the public URL's host.
func newPasskeys(set settings, d passkeyDeps) (*passkey.Handler, error) {
	pub := set.Server.Public
	vault, err := newVault(set.Console, d.dir)
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	return passkey.New(passkey.Config{
		RPID: pub.Hostname(), Origin: pub.Scheme + "://" + pub.Host, RPName: d.theme.Translator("fr").T("university.name"),
		BasePath: d.prefix, LoginPath: d.prefix + "/login", ResumePath: d.prefix + "/oauth2/auth/resume",
	}, passkey.Deps{
		Sessions: d.op.Sessions(), Accounts: d.dir, Vault: vault, Store: d.store, Theme: d.theme,
		Cookies: d.cookies, Trail: d.trail, Secret: set.Keys.Account, Logger: d.log,
	})
}
