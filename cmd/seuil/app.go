package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.yaml.in/yaml/v3"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/catalog"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/flows/password"
	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/console"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/funnel"
	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/students"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// app is a running Seuil: the HTTP handler for server.public_url and what
// shutdown must release.
type app struct {
	handler  http.Handler
	outbox   *notify.Outbox // demo: the in-memory senders' messages
	provider *provider.Provider
	reload   func() error      // re-reads the flow definitions (SIGHUP)
	flows    console.FlowAdmin // the console's way of changing them
	themes   console.FlowAdmin // and the themes
	dir      openDirectoryResult
	close    func()
}

// buildOptions are what differs between serve and demo; everything else
// comes from the configuration, so both run the same code.
type buildOptions struct {
	redis  redis.UniversalClient // demo: the embedded server; nil: from cfg.Redis
	logger *slog.Logger
	demo   bool // mount /demo/outbox and /preview
	// shared is the directory of another app of this process (the
	// demo's second replica shares the first's embedded directory, which
	// lives in memory); nil: opened from cfg.
	shared *openDirectoryResult
}

// openDirectoryResult is an open directory and its readiness check.
type openDirectoryResult struct {
	dir  directory.Directory
	ping func(context.Context) error
}

// build wires every component from cfg's settings (settingsOf): one
// constructor call each.
func build(ctx context.Context, cfg *config.Config, o buildOptions) (_ *app, err error) {
	var cl closers
	defer func() {
		if err != nil {
			cl.close()
		}
	}()
	log := o.logger
	set := settingsOf(cfg)
	rdb := o.redis
	if rdb == nil {
		if rdb, err = newRedis(set.Redis); err != nil {
			return nil, err
		}
		cl.add(rdb.Close)
	}
	meterRedis(rdb)
	store := state.New(rdb, set.Redis.KeyPrefix)
	reg, err := regulation.New(rdb, set.Redis.KeyPrefix+"limit:", set.Limits, set.Keys.Limits)
	if err != nil {
		return nil, fmt.Errorf("limits: %w", err)
	}
	reg.Observe(observeLimit)
	cl.add(reg.Close)
	var dir directory.Directory
	var ping func(context.Context) error
	if o.shared != nil {
		dir, ping = o.shared.dir, o.shared.ping
	} else if dir, ping, err = openDirectory(ctx, set.Directory, log, &cl); err != nil {
		return nil, err
	}
	bulk, err := openStudents(ctx, cfg.Students, log, &cl)
	if err != nil {
		return nil, err
	}
	// Lookups go through a circuit breaker: a dead source answers
	// "unavailable" at once instead of being hammered by every student.
	breaker := students.NewBreaker(meteredSource{bulk}, 5, 30*time.Second, 10*time.Second)
	breaker.OnChange = func(open bool) {
		studentsSourceOpen.Set(map[bool]float64{true: 1, false: 0}[open])
		if open {
			log.ErrorContext(ctx, "student source unavailable: circuit open, lookups refused for 30s")
		} else {
			log.InfoContext(ctx, "student source answers again: circuit closed")
		}
	}
	// A live source is asked once per student per cache_max_age, not
	// at each of an activation's four or five reads; in front of the
	// breaker, so that a fresh record still answers while it is open.
	var src students.Source = breaker
	if age := set.Students.CacheMaxAge; age > 0 {
		src = students.NewCache(breaker, age, 0)
	}
	sms, mail, channels, box, deferred, err := openSenders(set, store, log, true)
	if err != nil {
		return nil, err
	}
	// Messages left by a replica that died mid-send are sent again here;
	// on close, the sends under way finish first.
	dctx, stopDeferred := context.WithCancel(context.WithoutCancel(ctx))
	deferredDone := make(chan struct{})
	go func() { deferred.Run(dctx, 2*time.Second); close(deferredDone) }()
	cl.add(func() error { stopDeferred(); <-deferredDone; return nil })
	fileThemes, err := loadThemes(set.Themes.Dir)
	if err != nil {
		return nil, err
	}
	// The definitions and themes the console manages, where no flows.dir
	// or themes.dir rules.
	cat := catalog.New(rdb, set.Redis.KeyPrefix)
	themesManaged := set.Themes.Dir == ""
	loadAllThemes := func(ctx context.Context) (map[string]*themes.Theme, error) {
		if !themesManaged {
			return fileThemes, nil
		}
		return withConsoleThemes(ctx, fileThemes, cat.Themes())
	}
	all, err := loadAllThemes(ctx)
	if err != nil {
		return nil, err
	}
	ths := themes.NewRegistry(all)
	// Load the word lists now rather than on the first student's password.
	if err := password.Preload(); err != nil {
		return nil, fmt.Errorf("password dictionaries: %w", err)
	}
	cookies, proxies, prefix := set.Server.Cookies, set.Server.Proxies, set.Server.Prefix
	theme := ths.Get(set.Themes.Default)

	trail, err := openAudit(ctx, set.Audit, log, &cl)
	if err != nil {
		return nil, err
	}
	// The campaign's counts (the console's funnel), in Redis for every
	// replica, sent by a worker so that no student waits on them.
	counter := funnel.New(rdb, set.Redis.KeyPrefix, log)
	fctx, stopCounter := context.WithCancel(context.WithoutCancel(ctx))
	counted := make(chan struct{})
	go func() { counter.Run(fctx); close(counted) }()
	cl.add(func() error { stopCounter(); <-counted; return nil })
	trail.Observe(func(e audit.Event) { countEvent(e); counter.Observe(e) })
	op, err := provider.New(set.Provider, provider.Deps{
		Store: store, Directory: dir, Limiter: reg, Theme: theme, Themes: ths,
		Logger: log, TrustedProxies: proxies, Trail: trail, OnToken: observeToken,
	})
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	// The directory's own password policy: the screens state its
	// expiry, and flow settings that contradict it stop the start.
	var policy directory.Policy
	if pr, ok := dir.(directory.PolicyReader); ok {
		if policy, err = pr.PasswordPolicy(ctx); err != nil {
			return nil, fmt.Errorf("directory: %w", err)
		}
	}
	fc := set.Flows
	fc.Preview = fc.Preview || o.demo
	var managed func(context.Context) (map[string][]byte, error)
	if fc.DefinitionsDir == "" {
		managed = cat.Active
	}
	fh, err := flows.New(fc, flows.Deps{Managed: managed,
		PasswordPolicy: policy, Store: store, Regulator: reg, Directory: dir, Students: src, SMS: sms, Mail: mail,
		Themes: ths, Sessions: op.Sessions(), Ender: op, Landing: op, Logger: log, Cookies: cookies,
		TrustedProxies: proxies, Trail: trail, Secret: set.Keys.Helpdesk, Deliveries: deferred,
	})
	if err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	if err := sameLoginPattern(fh.Definitions(), set.Flows.LoginPattern); err != nil {
		return nil, err
	}
	// The themes first: a flow may name a theme activated with it.
	reload := func() error {
		all, err := loadAllThemes(context.WithoutCancel(ctx))
		if err != nil {
			return err
		}
		ths.Set(all)
		return fh.Reload()
	}
	if managed != nil || themesManaged {
		// An activation on any replica reaches this one within seconds.
		wctx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
		watched := make(chan struct{})
		go func() {
			cat.Watch(wctx, 2*time.Second, func() {
				if err := reload(); err != nil {
					log.ErrorContext(wctx, "flows and themes from the console not loaded; the running ones stay", "err", err)
				} else {
					log.InfoContext(wctx, "flow definitions and themes reloaded from the console")
				}
			})
			close(watched)
		}()
		cl.add(func() error { stopWatch(); <-watched; return nil })
	}

	mux := http.NewServeMux()
	ph := op.Handler()
	for _, p := range []string{"/.well-known/", "/jwks.json", "/oauth2/", "/userinfo", "/login"} {
		mux.Handle(p, ph)
	}
	mux.Handle("/", fh)
	flowAdmin := consoleFlows{fh: fh, cat: cat, managed: managed != nil, reload: reload}
	themeAdmin := consoleThemes{reg: ths, cat: cat.Themes(), fh: fh, managed: themesManaged, reload: reload}
	if set.Console.Roles.Enabled() {
		con, err := newConsole(set, consoleDeps{store: store, reg: reg, dir: dir, src: src, op: op,
			theme: theme, trail: trail, cookies: cookies, proxies: proxies, prefix: prefix, log: log, mail: mail,
			sendCode: fh.SendHelpdeskCode, skipped: skippedRows(bulk), funnel: counter,
			catalogue: catalogue{flows: fh.Definitions, themes: ths}, preview: previewPath(fc, prefix), deferred: deferred,
			flows: flowAdmin, themes: themeAdmin})
		if err != nil {
			return nil, err
		}
		mux.Handle("/admin/", con)
	}
	if set.Passkeys {
		pk, err := newPasskeys(set, passkeyDeps{store: store, dir: dir, op: op, theme: theme,
			trail: trail, cookies: cookies, prefix: prefix, log: log})
		if err != nil {
			return nil, err
		}
		mux.Handle("/passkeys/", pk)
		mux.Handle("/account", pk)
		mux.Handle("/account/", pk)
	}
	if rc := set.SMS.Reports; rc != nil {
		rp, err := notify.NewReports(*rc, deferred)
		if err != nil {
			return nil, fmt.Errorf("sms.http.reports: %w", err)
		}
		// POST for most providers, GET for those that report in the URL.
		mux.Handle("/notify/sms/reports", rp)
	}
	mux.Handle("GET /{$}", http.RedirectHandler(prefix+"/activation", http.StatusFound))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.Handle("GET /readyz", readiness(rdb, ping, channels, log))
	if o.demo && box != nil {
		mux.Handle("/demo/", box.Handler())
	}
	var h http.Handler = headerLimit(mux, fh)
	if prefix != "" {
		h = http.StripPrefix(prefix, h)
	}
	return &app{handler: accessLog(log, h), outbox: box, provider: op, reload: reload, flows: flowAdmin, themes: themeAdmin,
		dir: openDirectoryResult{dir, ping}, close: cl.close}, nil
}

// previewPath is /preview's public path, "" when the previews are off.
func previewPath(fc flows.Config, prefix string) string {
	if !fc.Preview {
		return ""
	}
	return prefix + "/preview"
}

// loadThemes returns the embedded default theme and every theme directory
// under dir (each holding templates/, static/, i18n/).
func loadThemes(dir string) (map[string]*themes.Theme, error) {
	def, err := themes.Default()
	if err != nil {
		return nil, fmt.Errorf("themes: default: %w", err)
	}
	out := map[string]*themes.Theme{"default": def}
	if dir == "" {
		return out, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("themes.dir: %w", err)
	}
	// A theme names its parent in theme.yaml (themes.Manifest) and holds
	// only what it changes; parents load first, whatever the order.
	parents := map[string]string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		m, err := readManifest(filepath.Join(dir, e.Name(), "theme.yaml"))
		if err != nil {
			return nil, fmt.Errorf("themes.dir: theme %s: %w", e.Name(), err)
		}
		parents[e.Name()] = m.Parent
	}
	for len(parents) > 0 {
		loaded := 0
		for _, name := range sortedNames(parents) {
			parent := parents[name]
			if parent != "" && out[parent] == nil {
				continue // not loaded yet
			}
			t, err := themes.LoadInheriting(name, os.DirFS(filepath.Join(dir, name)), out[parent])
			if err != nil {
				return nil, fmt.Errorf("themes.dir: %w", err)
			}
			t.Source = filepath.Join(dir, name)
			if missing := t.Missing(); len(missing) > 0 {
				return nil, fmt.Errorf("themes.dir: theme %s lacks translations: %s", name, strings.Join(missing, ", "))
			}
			out[name] = t
			delete(parents, name)
			loaded++
		}
		if loaded == 0 {
			var stuck []string
			for _, name := range sortedNames(parents) {
				stuck = append(stuck, name+" (parent "+parents[name]+")")
			}
			return nil, fmt.Errorf("themes.dir: themes whose parent is unknown or themselves: %s", strings.Join(stuck, ", "))
		}
	}
	return out, nil
}

// readManifest reads a theme's theme.yaml (none: no parent).
func readManifest(path string) (themes.Manifest, error) {
	var m themes.Manifest
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("theme.yaml: %w", err)
	}
	return m, nil
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readiness answers what a student's journey needs: Redis and the
// directory (without them nothing works: 503), and a channel to send the
// code by. Both channels up: "ready"; one down: "degraded" (200, the
// journey still works by the other; the body and the log say which);
// none: 503, since every activation would fail at the code.
func readiness(rdb redis.UniversalClient, dirPing func(context.Context) error, channels []*notify.Health, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := rdb.Ping(ctx).Err(); err != nil {
			http.Error(w, "redis unavailable", http.StatusServiceUnavailable)
			return
		}
		if err := dirPing(ctx); err != nil {
			http.Error(w, "directory unavailable", http.StatusServiceUnavailable)
			return
		}
		var down []string
		for _, h := range channels {
			if err := h.Check(ctx); err != nil {
				down = append(down, h.Channel)
				log.WarnContext(ctx, "channel down", "channel", h.Channel, "err", err)
			}
		}
		switch {
		case len(down) == len(channels) && len(channels) > 0:
			http.Error(w, "no channel to send codes: "+strings.Join(down, ", ")+" down", http.StatusServiceUnavailable)
		case len(down) > 0:
			_, _ = w.Write([]byte("degraded: " + strings.Join(down, ", ") + " down\n"))
		default:
			_, _ = w.Write([]byte("ready\n"))
		}
	})
}

// maxHeaderBytes is the most request headers (and target) Seuil takes.
// The server itself lets through twice that (serve's MaxHeaderBytes), so
// that a browser over the limit (usually too many cookies for the
// domain) gets a themed, translated 431 page from here rather than Go's
// plain-text one.
const maxHeaderBytes = 32 << 10

type messenger interface {
	Message(w http.ResponseWriter, r *http.Request, status int, key string)
}

func headerLimit(next http.Handler, pages messenger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := len(r.RequestURI)
		for k, vs := range r.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4
			}
		}
		if n > maxHeaderBytes {
			pages.Message(w, r, http.StatusRequestHeaderFieldsTooLarge, "error.headers")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// accessLog logs one line per request: method, path (never the query,
// which may hold codes or tokens), status and duration.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		// A request id ties the audit events and log lines of one
		// request together (and to the proxy's, when it sends one).
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 64 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
			id = websec.Token()[:16]
		}
		r = r.WithContext(audit.WithRequestID(r.Context(), id))
		next.ServeHTTP(rw, r)
		log.LogAttrs(r.Context(), slog.LevelDebug, "http",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("request_id", id),
			slog.Int("status", rw.status), slog.Duration("took", time.Since(start)))
		requestsTotal.WithLabelValues(r.Method, statusClass(rw.status)).Inc()
		requestSeconds.Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// sameLoginPattern refuses to start when a flow would make logins
// another way than seuil sync: one student would get two accounts (the
// one sync provisioned and the one the flow creates).
func sameLoginPattern(defs map[string]*flows.Definition, sync string) error {
	want := directory.CanonicalLoginPattern(sync)
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d := defs[n]
		if d.LoginPattern == "" {
			continue
		}
		if got := directory.CanonicalLoginPattern(d.LoginPattern); got != want {
			return fmt.Errorf("flows: %s's done step makes logins as %q but sync.login_pattern is %q: "+
				"seuil sync and the flows would give one student two accounts; set both to the same pattern", n, got, want)
		}
	}
	return nil
}
