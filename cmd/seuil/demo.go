package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/demorp"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/directory/embedded"
	"github.com/seuil-idp/seuil/idp/mask"
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
	replicaAddr := fs.String("replica-addr", "", "also serve a second replica of Seuil at this address (same state and directory): to see a change made in the console reach another replica")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for name, a := range map[string]string{"--addr": *addr, "--rp-addr": *rpAddr, "--replica-addr": *replicaAddr} {
		if a == "" && name == "--replica-addr" {
			continue
		}
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
	if cfg.Audit.Store == "file" {
		if err := seedDemoHistory(ctx, cfg.Audit.File); err != nil {
			return fmt.Errorf("audit.file: %w", err)
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
	var second *app
	var l2 net.Listener
	if *replicaAddr != "" {
		// Its own flows, themes and catalog watch, as a replica behind a
		// balancer has; the directory is the first's (in memory here).
		if second, err = build(ctx, cfg, buildOptions{redis: rdb, logger: log.With("replica", 2), demo: true, shared: &a.dir}); err != nil {
			ls.Close()
			lr.Close()
			return err
		}
		defer second.close()
		if l2, err = net.Listen("tcp", *replicaAddr); err != nil {
			ls.Close()
			lr.Close()
			return fmt.Errorf("--replica-addr: %w", err)
		}
	}
	printDemo(stdout, "http://"+*addr, "http://"+*rpAddr, dir)
	if l2 != nil {
		fmt.Fprintf(stdout, "  A second replica (same state):  http://%s\n", *replicaAddr)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveOn(gctx, ls, a.handler, 2*time.Second, log) })
	g.Go(func() error { return serveOn(gctx, lr, rp, 2*time.Second, log) })
	if l2 != nil {
		g.Go(func() error { return serveOn(gctx, l2, second.handler, 2*time.Second, log) })
	}
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// The demo's staff account: both roles (staff.admin.logins in demo.yaml).
var demoStaff = struct {
	record          students.Record
	login, password string
}{
	record: students.Record{StudentID: "90000001", FirstName: "Camille", LastName: "ASSISTANCE",
		Email: "assistance@example.org"},
	login: "assistance", password: "Guichet-Vert-2026",
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

// seedDemoAccount creates the demo student's and the demo staff
// member's accounts with their passwords, once.
func seedDemoAccount(ctx context.Context, path string) error {
	d, err := embedded.Open(path, embedded.Options{})
	if err != nil {
		return fmt.Errorf("directory.embedded: %w", err)
	}
	for _, a := range []struct {
		record          students.Record
		login, password string
	}{demoAccount, demoStaff} {
		if acct, err := d.FindByLogin(ctx, a.login); err == nil && acct.State == directory.StateActive {
			continue
		}
		if _, err := d.Ensure(ctx, a.record, a.login); err != nil {
			return fmt.Errorf("demo account: %w", err)
		}
		if err := d.SetPassword(ctx, a.login, a.password); err != nil {
			return fmt.Errorf("demo account: %w", err)
		}
	}
	return nil
}

// seedDemoHistory gives two demo students a history to look at in the
// console, once: one turned away after mismatches (references DEM-001, DEM-002),
// one who activated.
func seedDemoHistory(ctx context.Context, path string) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return nil
	}
	f, err := audit.OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	t := time.Now().UTC().Add(-26 * time.Hour).Truncate(time.Second)
	at := func(m int) time.Time { return t.Add(time.Duration(m) * time.Minute) }
	for _, e := range []audit.Event{
		{Time: at(0), Kind: audit.KindFlowStarted, Outcome: "ok", Flow: "activation", IP: "192.0.2.10"},
		{Time: at(1), Kind: audit.KindStep, Outcome: "mismatch", Student: "22010000", Flow: "activation", Detail: "identify", IP: "192.0.2.10", Ref: "DEM-001"},
		{Time: at(2), Kind: audit.KindStep, Outcome: "limited", Student: "22010000", Flow: "activation", Detail: "identify", IP: "192.0.2.10", Ref: "DEM-002"},
		{Time: at(30), Kind: audit.KindFlowStarted, Outcome: "ok", Flow: "activation", IP: "198.51.100.4"},
		{Time: at(31), Kind: audit.KindStep, Outcome: "ok", Student: "22010137", Flow: "activation", Detail: "identify", IP: "198.51.100.4"},
		{Time: at(31), Kind: audit.KindCodeSent, Outcome: "ok", Student: "22010137", Flow: "activation", Detail: "sms " + mask.Phone("+33612987556") + "; mail " + mask.Email("hugo.dubois@example.org"), IP: "198.51.100.4"},
		{Time: at(33), Kind: audit.KindStep, Outcome: "wrong_code", Student: "22010137", Flow: "activation", Detail: "verify", IP: "198.51.100.4"},
		{Time: at(34), Kind: audit.KindStep, Outcome: "ok", Student: "22010137", Flow: "activation", Detail: "verify", IP: "198.51.100.4"},
		{Time: at(36), Kind: audit.KindStep, Outcome: "refused", Student: "22010137", Flow: "activation", Detail: "password: password.rule.digit", IP: "198.51.100.4"},
		{Time: at(37), Kind: audit.KindStep, Outcome: "ok", Student: "22010137", Login: "22010137T", Flow: "activation", Detail: "password", IP: "198.51.100.4"},
	} {
		if err := f.Append(ctx, e); err != nil {
			return err
		}
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
	if err := keptKey(filepath.Join(dir, "staff-key")); err != nil {
		return "", "", err
	}
	rpSecret, err := keptSecret(filepath.Join(dir, "pjweb-secret"))
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	err = template.Must(template.New("demo").Parse(demoConfigTemplate)).Execute(&b, map[string]string{
		"Addr": addr, "RP": "http://" + rpAddr, "Dir": dir, "Passkeys": strconv.FormatBool(passkeysOn(addr)),
		"OIDCSecretFile": filepath.Join(dir, "oidc-secret"), "RPSecretFile": filepath.Join(dir, "pjweb-secret"),
		"StaffKeyFile": filepath.Join(dir, "staff-key"),
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

// keptKey creates, once, a random 32-byte key in base64 at path (the
// staff console's sealing key).
func keptKey(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	return os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(b[:])+"\n"), 0o600)
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

  Staff console (helpdesk and admin):  %[1]s/admin/
    login %[7]s, password %[8]s; the first sign-in sets up an
    authenticator app (QR code, and the key as text for oathtool).
    Demo cases with history: 22010000 (reference DEM-002), 22010137.

  Data (accounts, keys, demo.yaml): %[4]s
`, seuil, rp, filepath.Join(dir, "students.csv"), dir, demoAccount.login, demoAccount.password, demoStaff.login, demoStaff.password)
}

// passkeysOn reports whether the demo's address has a host name, which
// WebAuthn needs (a browser refuses an IP address as relying party id).
func passkeysOn(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && host != "" && net.ParseIP(host) == nil
}
