package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows/remind"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/state"
)

// runRemind e-mails the students whose password expires within 30 or 7
// days; run daily (the Helm chart's CronJob), it sends each reminder once.
func runRemind(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("remind", stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	dry := fs.Bool("dry-run", false, "list the students due, send nothing")
	lang := fs.String("lang", "fr", "language of the mails: fr or en (the directory holds no preference)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		fmt.Fprintln(stderr, "seuil remind: --config FILE is required")
		return errUsage
	}
	if *lang != "fr" && *lang != "en" {
		fmt.Fprintf(stderr, "seuil remind: --lang %q: fr or en\n", *lang)
		return errUsage
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	if cfg.Directory.LDAP == nil {
		return fmt.Errorf("directory.ldap: remind reads password expiry from an LDAP directory's ppolicy; none is configured")
	}
	set := settingsOf(cfg)
	log := newLogger(set.Log, os.Stderr)
	var cl closers
	defer cl.close()
	rdb, err := newRedis(set.Redis)
	if err != nil {
		return err
	}
	cl.add(rdb.Close)
	store := state.New(rdb, set.Redis.KeyPrefix)
	lc := *set.Directory.LDAP
	lc.Logger = log
	dir, err := ldapdir.New(ctx, lc)
	if err != nil {
		return err
	}
	cl.add(func() error { dir.Close(); return nil })
	_, mail, _, box, _, err := openSenders(set, store, log, false)
	if err != nil {
		return err
	}
	ths, err := loadThemes(set.Themes.Dir)
	if err != nil {
		return err
	}
	sum, err := remind.Run(ctx, remind.Options{
		Directory: dir, Claims: store, Mail: mail, Theme: ths[set.Themes.Default], Lang: *lang,
		ChangeURL: set.Server.resetURL(), DryRun: *dry, Logger: log,
	})
	fmt.Fprintln(stdout, sum)
	if box != nil {
		// The outbox lives in this process only: show what would have gone.
		for _, m := range box.Messages() {
			fmt.Fprintf(stdout, "outbox: %s to %s: %s\n", m.Channel, m.To, m.Subject)
		}
	}
	return err
}
