// Command seuil-load measures an OpenID provider under load with the
// same scenarios whatever the provider (Seuil, Keycloak...): discovery,
// JWKS, authorization from an SSO session, the code flow, refresh token
// rotation and userinfo. See `seuil-load --help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(runMain(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line's settings.
type options struct {
	issuer, clientID, clientSecret, redirectURI string
	username, password                          string
	logins                                      []string // the login scenario's accounts (--logins); none: username
	refreshScope                                string   // "": offline_access, then openid
	scenarios                                   []scenario
	load                                        load
	json, allowRemote                           bool
	// The activation scenario's: Seuil's APOGEE extraction, and the
	// sinks seuil serve's sms.http and mail.smtp point at.
	students, smsSink, mailSink string
	smsLatency, mailLatency     time.Duration
	codeWait                    time.Duration
	forwardedFor                bool
}

// runMain runs the chosen scenarios one after the other and prints each
// result; SIGINT (ctx) stops the current one, prints it and skips the rest.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "seuil-load:", err)
		return 2
	}
	c, err := newClient(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "seuil-load:", err)
		return 1
	}
	var results []result
	code := 0
	for _, sc := range o.scenarios {
		if ctx.Err() != nil {
			break
		}
		r, err := run(ctx, c, sc, o.load)
		if err != nil {
			fmt.Fprintf(stderr, "seuil-load: %s: %v\n", sc.name, err)
			code = 1
			continue
		}
		results = append(results, r)
		if !o.json {
			writeText(stdout, r)
		}
	}
	if o.json {
		if err := writeJSON(stdout, results); err != nil {
			return 1
		}
	}
	return code
}

// newClient checks the target is loopback (or allowed), discovers the
// provider and signs in when a scenario needs the SSO session.
func newClient(ctx context.Context, o options) (*client, error) {
	check := func(u string) error {
		if o.allowRemote || u == "" {
			return nil
		}
		return checkLoopback(ctx, u)
	}
	if err := check(o.issuer); err != nil {
		return nil, err
	}
	jar, _ := cookiejar.New(nil)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2 * o.load.concurrency
	c := &client{opts: o, loginTurn: new(atomic.Uint64), hc: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: stopAtRedirectURI(o.redirectURI)}}
	if o.wants(func(s scenario) bool { return s.flows }) {
		if err := c.startActivation(ctx, tr); err != nil {
			return nil, err
		}
	}
	if !o.wants(func(s scenario) bool { return !s.flows }) {
		return c, nil // the flows only: no OpenID Connect
	}
	if err := c.discover(ctx); err != nil {
		return nil, err
	}
	for _, u := range c.meta.endpoints() {
		if err := check(u); err != nil {
			return nil, fmt.Errorf("discovery points at %s: %w", u, err)
		}
	}
	for _, sc := range o.scenarios {
		if sc.session {
			return c, c.signIn(ctx, o.username, o.password)
		}
	}
	return c, nil
}

// wants reports whether a chosen scenario is such.
func (o options) wants(such func(scenario) bool) bool {
	for _, s := range o.scenarios {
		if such(s) {
			return true
		}
	}
	return false
}

// startActivation reads the students and starts the sinks.
func (c *client) startActivation(ctx context.Context, tr *http.Transport) error {
	recs, err := loadStudents(ctx, c.opts.students)
	if err != nil {
		return err
	}
	sms, err := startSMSSink(c.opts.smsSink, c.opts.smsLatency)
	if err != nil {
		return err
	}
	mail, err := startMailSink(c.opts.mailSink, c.opts.mailLatency)
	if err != nil {
		sms.close()
		return err
	}
	c.act = &activation{base: strings.TrimSuffix(c.opts.issuer, "/"), records: recs, sms: sms, mail: mail, wait: c.opts.codeWait,
		hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, spread: c.opts.forwardedFor, password: c.opts.password}
	return nil
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("seuil-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.issuer, "issuer", "", "the provider's issuer URL (discovery at <issuer>/.well-known/openid-configuration)")
	fs.StringVar(&o.clientID, "client-id", "", "a client registered at the provider")
	fs.StringVar(&o.clientSecret, "client-secret", os.Getenv("SEUIL_LOAD_CLIENT_SECRET"), "its secret, sent as client_secret_basic (empty: a public client; default $SEUIL_LOAD_CLIENT_SECRET, out of ps)")
	fs.StringVar(&o.redirectURI, "redirect-uri", "", "a redirect URI registered for the client (never contacted)")
	fs.StringVar(&o.username, "username", "", "an account that can sign in without a required action")
	fs.StringVar(&o.password, "password", os.Getenv("SEUIL_LOAD_PASSWORD"), "its password (default $SEUIL_LOAD_PASSWORD, out of ps); activation: the password every journey chooses (default: a new one each)")
	loginsFile := fs.String("logins", "", "login: a file of accounts, one login per line, all with --password; each sign-in takes the next (default: --username); refresh, userinfo: the accounts workers sign in as where the provider keeps no SSO session")
	fs.StringVar(&o.refreshScope, "refresh-scope", "", "scope of the refresh scenario's grant (default: openid offline_access, falling back to openid)")
	names := fs.String("scenario", "discovery", "comma-separated, or all (every one but activation): "+scenarioNames())
	fs.DurationVar(&o.load.duration, "duration", 20*time.Second, "measured time per scenario")
	fs.DurationVar(&o.load.warmup, "warmup", 2*time.Second, "unmeasured time before it")
	fs.IntVar(&o.load.concurrency, "concurrency", 8, "workers, each looping one request at a time")
	fs.Uint64Var(&o.load.requests, "requests", 0, "stop a scenario after this many requests (0: duration only)")
	fs.BoolVar(&o.json, "json", false, "print the results as JSON")
	fs.StringVar(&o.students, "students", "", "activation: the APOGEE extraction (CSV) seuil serve's students.csv reads; each journey takes the next student")
	fs.StringVar(&o.smsSink, "sms-sink", "127.0.0.1:9901", "activation: where to serve the SMS provider sms.http posts to (body {\"to\":{{.To | json}},\"text\":{{.Body | json}}})")
	fs.DurationVar(&o.smsLatency, "sms-latency", 0, "activation: how long the SMS sink takes to answer")
	fs.StringVar(&o.mailSink, "mail-sink", "127.0.0.1:9902", "activation: where to serve the SMTP relay mail.smtp sends to (tls: none)")
	fs.DurationVar(&o.mailLatency, "mail-latency", 0, "activation: how long the mail sink takes to take a message")
	fs.DurationVar(&o.codeWait, "code-wait", 30*time.Second, "activation: how long a code may take to reach the SMS sink")
	fs.BoolVar(&o.forwardedFor, "forwarded-for", false, "activation, login: give each journey or sign-in its own client address in X-Forwarded-For, as students come from many (the server must trust the tool: server.trusted_proxies); without it every journey is one address's, and its rate limits apply")
	fs.IntVar(&o.load.serverPID, "server-pid", 0, "the server's process id, to report its CPU time per iteration (Linux)")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a target that is not loopback; only load a server you are allowed to (this workplace allows loopback load only)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.scenarios, err = pickScenarios(*names); err != nil {
		return o, err
	}
	if *loginsFile != "" {
		if o.logins, err = readLogins(*loginsFile); err != nil {
			return o, err
		}
	}
	return o, o.validate()
}

func (o options) validate() error {
	oidc := o.wants(func(s scenario) bool { return !s.flows })
	switch {
	case oidc && (o.issuer == "" || o.clientID == "" || o.redirectURI == ""):
		return errors.New("--issuer, --client-id and --redirect-uri are required")
	case o.issuer == "":
		return errors.New("--issuer is required (Seuil's public URL)")
	case o.wants(func(s scenario) bool { return s.flows }) && o.students == "":
		return errors.New("scenario activation: --students is required (seuil serve's students.csv)")
	case o.load.concurrency < 1 || o.load.duration <= 0 || o.load.warmup < 0:
		return errors.New("--concurrency must be ≥ 1, --duration > 0 and --warmup ≥ 0")
	}
	for _, sc := range o.scenarios {
		if sc.session && (o.username == "" || o.password == "") {
			return fmt.Errorf("scenario %s signs in: --username and --password are required", sc.name)
		}
		if sc.name == "login" && ((o.username == "" && len(o.logins) == 0) || o.password == "") {
			return errors.New("scenario login signs in: --username or --logins, and --password, are required")
		}
	}
	return nil
}

// readLogins reads the login scenario's accounts: one per line, blank
// lines and # comments left out.
func readLogins(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--logins: %w", err)
	}
	var out []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--logins %s: no login in it", path)
	}
	return out, nil
}

func pickScenarios(names string) ([]scenario, error) {
	if names == "all" {
		return oidcScenarios(), nil
	}
	var out []scenario
	for _, n := range strings.Split(names, ",") {
		sc, ok := findScenario(strings.TrimSpace(n))
		if !ok {
			return nil, fmt.Errorf("--scenario %q: want %s or all", n, scenarioNames())
		}
		out = append(out, sc)
	}
	return out, nil
}

// oidcScenarios are what "all" runs: every OpenID Connect scenario, for
// any provider. Seuil's activation is asked for by name (it uses up
// students).
func oidcScenarios() []scenario {
	var out []scenario
	for _, s := range scenarios {
		if !s.flows {
			out = append(out, s)
		}
	}
	return out
}

func scenarioNames() string {
	var ns []string
	for _, s := range scenarios {
		ns = append(ns, s.name)
	}
	return strings.Join(ns, ", ")
}
