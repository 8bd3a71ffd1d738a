// Command seuil is Seuil's single binary: the identity provider and
// self-service flows (serve), the embedded demo (demo), a configuration
// checker (check-config), the APOGEE → LDAP synchronisation (sync) and
// the reminders before a password expires (remind).
// This package only wires constructors together; the logic lives in flows/,
// idp/ and ldapsync/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	// The zone database, so that TZ (the chart's timeZone) gives the
	// times students read ("envoyé à 10:32") in any image, even one
	// without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
)

const usage = `Seuil — student account activation and OpenID Connect provider.

Usage:
  seuil demo [--addr 127.0.0.1:8080] [--rp-addr 127.0.0.1:8081] [--replica-addr A] [--data DIR] [--config extra.yaml]
  seuil init DIR [--base-dn dc=univ,dc=fr] [--public-url https://compte.univ.fr]
  seuil serve --config FILE
  seuil check-config --config FILE [--connect [--student NUMBER]]
  seuil sync --config FILE [--dry-run] [--force]
  seuil remind --config FILE [--dry-run] [--lang fr|en]
  seuil version

Run "seuil COMMAND -h" for a command's flags.
`

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a subcommand and returns the process exit code: 0 ok,
// 1 the command failed, 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "demo":
		err = runDemo(ctx, rest, stdout, stderr)
	case "serve":
		err = runServe(ctx, rest, stderr)
	case "init":
		err = runInit(rest, stdout, stderr)
	case "check-config":
		return runCheck(rest, stdout, stderr)
	case "sync":
		err = runSync(ctx, rest, stdout, stderr)
	case "remind":
		err = runRemind(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "seuil", version)
		return 0
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "seuil: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "seuil %s: %v\n", cmd, err)
		return 1
	}
}

// errUsage marks a command-line mistake already explained to the user.
var errUsage = errors.New("usage")

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("seuil "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args and refuses stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check-config", stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	connect := fs.Bool("connect", false, "also reach every server the configuration names (Redis, LDAP, SMTP, SMS, the student source)")
	student := fs.String("student", "", "with --connect: a student number to look up in the student source")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *path == "" {
		fmt.Fprintln(stderr, "seuil check-config: --config FILE is required")
		return 2
	}
	code := checkConfig(*path, stdout)
	if code != 0 || !*connect {
		return code
	}
	cfg, err := config.Load(*path)
	if err != nil { // it loaded a moment ago
		fmt.Fprintln(stdout, err)
		return 1
	}
	fmt.Fprintln(stdout, "connect:")
	return connectChecks(context.Background(), cfg, *student, stdout)
}
