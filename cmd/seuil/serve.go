package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/idp/state"
)

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		fmt.Fprintln(stderr, "seuil serve: --config FILE is required")
		return errUsage
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	// What check-config refuses, serve refuses first, with the same words.
	if ps := preflight(cfg); len(ps) > 0 {
		return ps
	}
	set := settingsOf(cfg)
	log := newLogger(set.Log, os.Stderr)
	state.LogRedisTo(log)
	if slices.Contains(cfg.DemoOnly(), "directory.embedded") {
		log.Warn("directory.embedded is a single-process store for trials; use directory.ldap in production")
	}
	a, err := build(ctx, cfg, buildOptions{logger: log})
	if err != nil {
		return err
	}
	defer a.close()
	// Starting leaves garbage behind (the word lists' merge, templates
	// parsed, YAML decoded): collect it and give its memory back now,
	// rather than let the scavenger return it over minutes.
	debug.FreeOSMemory()
	if set.Server.MetricsAddr != "" {
		go serveMetrics(ctx, set.Server.MetricsAddr, metricsMux(set.Server.Pprof), log)
	}
	go reloadOnHangup(ctx, a.reload, log)
	l, err := net.Listen("tcp", set.Server.Addr)
	if err != nil {
		return fmt.Errorf("server.addr: %w", err)
	}
	return serveOn(ctx, l, a.handler, set.Server.Shutdown, log)
}

// serveOn serves h on l until ctx ends, then shuts down gracefully:
// requests in flight get up to grace to finish.
func serveOn(ctx context.Context, l net.Listener, h http.Handler, grace time.Duration, log *slog.Logger) error {
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 2 * maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	log.Info("listening", "addr", l.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func serveMetrics(ctx context.Context, addr string, mux http.Handler, log *slog.Logger) {
	l, err := net.Listen("tcp", addr)
	if err == nil {
		err = serveOn(ctx, l, mux, 5*time.Second, log)
	}
	if err != nil {
		log.Error("metrics listener", "addr", addr, "err", err)
	}
}

// metricsMux is the metrics listener's: /metrics, and Go's profiles
// when server.pprof is on (go tool pprof http://…:9090/debug/pprof/profile).
func metricsMux(pprofOn bool) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	if pprofOn {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// reloadOnHangup re-reads the flow definitions on SIGHUP, so that an admin
// can change a flow without a restart; a definition with an error is
// logged and the running ones stay.
func reloadOnHangup(ctx context.Context, reload func() error, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := reload(); err != nil {
				log.Error("flow definitions not reloaded; the running ones stay", "err", err)
				continue
			}
			log.Info("flow definitions reloaded")
		}
	}
}

func checkConfig(path string, stdout io.Writer) int { return config.Check(path, stdout, preflight) }
