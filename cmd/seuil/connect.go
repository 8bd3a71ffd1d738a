package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/catalog"
	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/flows/steps"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/mask"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/students"
)

// connectTimeout bounds each server's answer.
const connectTimeout = 10 * time.Second

// connectChecks is check-config --connect: each server the configuration
// names is reached, as serve will, and answered ok or failed with the
// reason. Nothing is written, no code is sent: Redis is pinged, LDAP
// bound and its password policy read (and held against the flows), the
// SMTP relay greets and opens a session, the SMS provider accepts a
// connection, and the student source looks one student up (--student),
// shown masked. It returns the exit code: 1 if any failed.
func connectChecks(ctx context.Context, cfg *config.Config, student string, w io.Writer) int {
	failed := 0
	report := func(what string, err error, okFormat string, args ...any) {
		if err != nil {
			failed++
			fmt.Fprintf(w, "  %-10s failed: %v\n", what, err)
			return
		}
		fmt.Fprintf(w, "  %-10s ok: %s\n", what, fmt.Sprintf(okFormat, args...))
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var cl closers
	defer cl.close()
	within := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, connectTimeout) }

	set := settingsOf(cfg)
	rdb, err := newRedis(set.Redis)
	if err == nil {
		cl.add(rdb.Close)
		c, cancel := within()
		start := time.Now()
		err = rdb.Ping(c).Err()
		cancel()
		where := strings.Join(cfg.Redis.Addrs, ", ")
		if cfg.Redis.MasterName != "" {
			where = "the master " + cfg.Redis.MasterName + " of sentinels " + where
		}
		report("redis", err, "%s answers PING in %s", where, time.Since(start).Round(time.Millisecond))
	} else {
		report("redis", err, "")
	}

	c, cancel := within()
	dir, ping, err := openDirectory(c, set.Directory, log, &cl)
	if err == nil {
		err = ping(c)
	}
	var policy directory.Policy
	if err == nil {
		if pr, ok := dir.(directory.PolicyReader); ok {
			policy, err = pr.PasswordPolicy(c)
		}
	}
	cancel()
	report("directory", err, "%s; password policy %s", describeDirectory(cfg), describePolicy(policy))
	if err == nil {
		ths, terr := loadThemes(cfg.Themes.Dir)
		if terr == nil && cfg.Themes.Dir == "" && rdb != nil {
			// The themes the console put in service, as serve loads them.
			c, cancel := within()
			ths, terr = withConsoleThemes(c, ths, catalog.New(rdb, cfg.Redis.KeyPrefix).Themes())
			cancel()
		}
		if terr == nil {
			svc := &flow.Services{Now: time.Now, LoginPattern: cfg.Sync.LoginPattern, Policy: policy}
			_, terr = flows.LoadDefinitions(cfg.Flows.Dir, steps.Registry(), svc, func(n string) bool { return ths[n] != nil })
		}
		report("flows", terr, "the password steps agree with the directory's policy")
	}

	store := state.New(rdb, cfg.Redis.KeyPrefix)
	_, _, channels, _, _, err := openSenders(set, store, log, false)
	if err != nil {
		report("senders", err, "")
	}
	for _, h := range channels {
		c, cancel := within()
		herr := h.Check(c)
		cancel()
		what := map[string]string{"sms": "the provider accepts a connection (nothing sent)", "mail": "the relay greets and opens a session (nothing sent)"}[h.Channel]
		report(h.Channel, herr, "%s", what)
	}

	if student == "" {
		fmt.Fprintf(w, "  %-10s not looked up: give --student NUMBER to look one student up\n", "students")
	} else {
		c, cancel := within()
		src, closeFn, err := cfg.Students.Open(c, log)
		var rec students.Record
		if err == nil {
			cl.add(closeFn)
			rec, err = src.Lookup(c, student)
			if errors.Is(err, students.ErrNotFound) {
				err = fmt.Errorf("%s: no such student in the source", student)
			}
		}
		cancel()
		report("students", err, "%s found: INE %s…, mobile %s, e-mail %s, hold %s", student, prefix(rec.INE, 3),
			orDash(mask.Phone(rec.Mobile), rec.Mobile), orDash(mask.Email(rec.Email), rec.Email), orDash(string(rec.Hold), string(rec.Hold)))
	}
	if failed > 0 {
		fmt.Fprintf(w, "%d server%s failed\n", failed, map[bool]string{true: "s"}[failed > 1])
		return 1
	}
	return 0
}

func describeDirectory(cfg *config.Config) string {
	if l := cfg.Directory.LDAP; l != nil {
		return fmt.Sprintf("%s bound as %s", l.URL, l.BindDN)
	}
	return "the embedded directory"
}

func describePolicy(p directory.Policy) string {
	if p.Source == "" {
		return "not said (no policy_dn nor default_policy_dn)"
	}
	age := "never"
	if p.MaxAge > 0 {
		age = flow.Duration(p.MaxAge).String()
	}
	return fmt.Sprintf("%s: pwdMaxAge %s, pwdInHistory %d, pwdMinLength %d", p.Source, age, p.InHistory, p.MinLength)
}

func prefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// orDash shows v's masked form, or "none" when there is no value.
func orDash(masked, v string) string {
	if v == "" {
		return "none"
	}
	return masked
}
