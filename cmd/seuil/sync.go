package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/ldapsync"
)

// runSync reconciles the student source into the LDAP directory.
func runSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sync", stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	dry := fs.Bool("dry-run", false, "print the planned changes (LDIF) and write nothing")
	force := fs.Bool("force", false, "apply the left policy even to more than sync.max_left of the directory")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		fmt.Fprintln(stderr, "seuil sync: --config FILE is required")
		return errUsage
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	if cfg.Directory.LDAP == nil {
		return fmt.Errorf("directory.ldap: sync writes to an LDAP directory; none is configured")
	}
	log := newLogger(cfg.Log, os.Stderr)
	var cl closers
	defer cl.close()
	src, closeFn, err := cfg.Students.OpenBulk(ctx, log)
	if err != nil {
		return err
	}
	cl.add(closeFn)
	// Run prints the plan or the errors and, last, the summary, each a
	// "#" comment, so that a dry run's output stays LDIF.
	opts := settingsOf(cfg).Sync
	opts.Source, opts.Force, opts.DryRun, opts.Logger = src, *force, *dry, log
	opts.Directory.Logger = log
	_, err = ldapsync.Run(ctx, opts, stdout)
	return err
}
