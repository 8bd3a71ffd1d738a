package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/idp/demorp"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	"github.com/seuil-idp/seuil/idp/provider/keys"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/websec"
)

//go:embed demodata/students.csv
var demoStudents []byte

//go:embed demodata/demo.yaml.tmpl
var demoConfigTemplate string

// runDemo runs Seuil with nothing installed: an in-process Redis, the
// embedded directory and a CSV of demo students in a data directory, codes
// in an outbox page, and a demo PJ Web relying party. It goes through the
// same configuration loader and wiring as serve: the generated demo.yaml
// in the data directory is an ordinary configuration file.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "Seuil's listen address")
	rpAddr := fs.String("rp-addr", "127.0.0.1:8081", "the demo PJ Web's listen address")
	dataDir := fs.String("data", "", "directory for accounts, keys and the demo configuration (default: a new temporary directory)")
	extra := fs.String("config", "", "a configuration file read over the demo's: add your own oidc.clients, change any key")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for name, a := range map[string]string{"--addr": *addr, "--rp-addr": *rpAddr} {
		if _, _, err := net.SplitHostPort(a); err != nil {
			fmt.Fprintf(stderr, "seuil demo: %s %q: want host:port, e.g. 127.0.0.1:8080\n", name, a)
			return errUsage
		}
	}
	dir, err := demoDataDir(*dataDir)
	if err != nil {
		return err
	}
	cfgPath, rpSecret, err := writeDemoFiles(dir, *addr, *rpAddr)
	if err != nil {
		return err
	}
	cfg, err := config.Load(cfgPath)
	if err == nil && *extra != "" {
		cfg, err = config.Overlay(cfg, *extra)
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	state.LogRedisTo(log)
	if cfg.Directory.Embedded != nil {
		if err := seedDemoAccount(ctx, cfg.Directory.Embedded.Path); err != nil {
			return err
		}
	}
	rdb, stopRedis, err := state.Embedded()
	if err != nil {
		return err
	}
	defer stopRedis()
	a, err := build(ctx, cfg, buildOptions{redis: rdb, logger: log, demo: true})
	if err != nil {
		return err
	}
	defer a.close()
	rp, err := demorp.New(demorp.Config{Issuer: cfg.OIDC.Issuer, ClientID: "pjweb", ClientSecret: rpSecret,
		BaseURL: "http://" + *rpAddr})
	if err != nil {
		return err
	}
	// Both addresses are taken before the banner, so that a busy port is
	// reported at once and the banner never shows addresses that fail.
	ls, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	lr, err := net.Listen("tcp", *rpAddr)
	if err != nil {
		ls.Close()
		return fmt.Errorf("--rp-addr: %w", err)
	}
	printDemo(stdout, "http://"+*addr, "http://"+*rpAddr, dir)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveOn(gctx, ls, a.handler, 2*time.Second, log) })
	g.Go(func() error { return serveOn(gctx, lr, rp, 2*time.Second, log) })
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// The demo's pre-activated account, for trying a relying party's sign-in
// (or a load test) without walking the activation first. It is not in the
// students CSV, so no activation walk can collide with it.
var demoAccount = struct {
	record          students.Record
	login, password string
}{
	record: students.Record{StudentID: "22019999", INE: "0000000001A", FirstName: "Dominique", LastName: "DEMO",
		Email: "dominique.demo@example.org", Mobile: "+33600000000"},
	login: "22019999T", password: "Lanterne-Bleue-2026",
}

// seedDemoAccount creates the demo account with its password, once.
func seedDemoAccount(ctx context.Context, path string) error {
	d, err := embedded.Open(path, embedded.Options{})
	if err != nil {
		return fmt.Errorf("directory.embedded: %w", err)
	}
	if a, err := d.FindByLogin(ctx, demoAccount.login); err == nil && a.State == directory.StateActive {
		return nil
	}
	if _, err := d.Ensure(ctx, demoAccount.record, demoAccount.login); err != nil {
		return fmt.Errorf("demo account: %w", err)
	}
	if err := d.SetPassword(ctx, demoAccount.login, demoAccount.password); err != nil {
		return fmt.Errorf("demo account: %w", err)
	}
	return nil
}

func demoDataDir(dir string) (string, error) {
	if dir == "" {
		return os.MkdirTemp("", "seuil-demo-")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("--data: %w", err)
	}
	return dir, nil
}

// writeDemoFiles lays out the data directory: the students CSV, signing
// keys, secrets kept across restarts, and demo.yaml. It returns the
// configuration's path and the demo PJ Web's client secret.
func writeDemoFiles(dir, addr, rpAddr string) (string, string, error) {
	csv := filepath.Join(dir, "students.csv")
	if _, err := os.Stat(csv); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(csv, demoStudents, 0o600); err != nil {
			return "", "", err
		}
	}
	keyDir := filepath.Join(dir, "keys")
	if err := os.MkdirAll(keyDir, 0o700); err != nil {
		return "", "", err
	}
	for _, k := range []struct{ file, alg string }{{"es256.pem", "ES256"}, {"rs256.pem", "RS256"}} {
		p := filepath.Join(keyDir, k.file)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			if err := keys.Generate(p, k.alg); err != nil {
				return "", "", fmt.Errorf("demo key: %w", err)
			}
		}
	}
	if _, err := keptSecret(filepath.Join(dir, "oidc-secret")); err != nil {
		return "", "", err
	}
	rpSecret, err := keptSecret(filepath.Join(dir, "pjweb-secret"))
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	err = template.Must(template.New("demo").Parse(demoConfigTemplate)).Execute(&b, map[string]string{
		"Addr": addr, "RP": "http://" + rpAddr, "Dir": dir,
		"OIDCSecretFile": filepath.Join(dir, "oidc-secret"), "RPSecretFile": filepath.Join(dir, "pjweb-secret"),
	})
	if err != nil {
		return "", "", err
	}
	path := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", "", err
	}
	return path, rpSecret, nil
}

// keptSecret returns the random secret stored at path, creating it on
// first use, so that sessions and the demo client survive a restart with
// the same --data.
func keptSecret(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	s := websec.Token()
	return s, os.WriteFile(path, []byte(s+"\n"), 0o600)
}

func printDemo(w io.Writer, seuil, rp, dir string) {
	fmt.Fprintf(w, `
Seuil demo — nothing to install, nothing leaves this machine.

  Activation (the four screens):  %[1]s/activation
  Demo PJ Web (relying party):    %[2]s/
  Codes sent by SMS and e-mail:   %[1]s/demo/outbox
  Every screen with sample data:  %[1]s/preview
  OpenID discovery:               %[1]s/.well-known/openid-configuration

  Try the student of the specification:
    numéro étudiant 22012345, INE 123456789AB, portable 07 88 10 25 99
    (the login will be 22012345T). More students: %[3]s

  To sign in directly (an account already activated):
    login %[5]s, password %[6]s

  Data (accounts, keys, demo.yaml): %[4]s
`, seuil, rp, filepath.Join(dir, "students.csv"), dir, demoAccount.login, demoAccount.password)
}
