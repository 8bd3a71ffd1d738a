package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/flows/steps"
	"github.com/seuil-idp/seuil/idp/provider/keys"
	"github.com/seuil-idp/seuil/idp/students"
)

// preflight is everything serve refuses before it opens a connection,
// checked from the files alone: check-config runs it after loading, and
// serve runs it first, so that check-config never says "ok" to a
// configuration serve would refuse. Every problem is reported at once,
// placed at its key's line. What needs the servers (LDAP's policy, Redis,
// SMTP, the student source over the network) is check-config --connect's.
func preflight(cfg *config.Config) config.Problems {
	var ps config.Problems
	add := func(key, format string, args ...any) { ps = append(ps, cfg.At(key, format, args...)) }

	// The outboxes keep codes in memory where only the demo shows them:
	// in production a student would never receive a code.
	demo := cfg.DemoOnly()
	for key, instead := range map[string]string{"mail.outbox": "mail.smtp", "sms.outbox": "sms.http"} {
		if slices.Contains(demo, key) {
			add(key, "is for `seuil demo` only; configure %s", instead)
		}
	}
	// Every file and directory the configuration names.
	missing := map[string]bool{}
	for _, p := range cfg.Paths() {
		name := p.Value
		if p.Created {
			name = filepath.Dir(name)
		}
		if _, err := os.Stat(name); err != nil {
			missing[p.Key] = true
			add(p.Key, "%s: %v", name, unwrapPathError(err))
		}
	}
	if d := cfg.OIDC.KeysDir; d != "" && !missing["oidc.keys_dir"] {
		if _, err := keys.Dir(d, cfg.OIDC.ActiveKey, false); err != nil {
			add("oidc.keys_dir", "%v", err)
		}
	}
	if _, ok := cfg.Students.Section().(*config.CSVStudents); ok && !missing["students.csv.path"] {
		if err := csvLoads(cfg.Students); err != nil {
			add("students.csv.path", "%v", err)
		}
	}
	ths, err := loadThemes(cfg.Themes.Dir)
	if err != nil {
		if !missing["themes.dir"] {
			add("themes.dir", "%s", strings.TrimPrefix(err.Error(), "themes.dir: "))
		}
		ths = nil
	}
	if !missing["flows.dir"] && ths != nil {
		svc := &flow.Services{Now: time.Now, LoginPattern: cfg.Sync.LoginPattern}
		defs, err := flows.LoadDefinitions(cfg.Flows.Dir, steps.Registry(), svc, func(n string) bool { return ths[n] != nil })
		for _, e := range unjoin(err) {
			add("flows.dir", "%v", e)
		}
		if err == nil {
			if err := sameLoginPattern(defs, cfg.Sync.LoginPattern); err != nil {
				add("sync.login_pattern", "%v", err)
			}
		}
	}
	return ps.Sorted()
}

// csvLoads reads the extraction as serve's source would at start: a file
// it cannot parse, or one without a single valid student, is refused.
func csvLoads(c config.Students) error {
	src, closeFn, err := c.OpenBulk(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer closeFn()
	n := 0
	err = src.All(context.Background(), func(students.Record) error { n++; return nil }, func(*students.RowError) {})
	if err == nil && n == 0 {
		err = errors.New("no valid student in the file")
	}
	return err
}

// unjoin splits an errors.Join into its errors.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
