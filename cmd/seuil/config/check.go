package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// Check loads the file at path for `seuil check-config`, then runs more
// checks on what loaded (serve's preflight: files that must exist, flows
// and themes that must load): it prints "ok" and a summary of what is
// configured (secrets only as set or unset), or every problem, one per
// line. It returns the process exit code: 0 when the file is valid, 1
// otherwise.
func Check(path string, w io.Writer, more ...func(*Config) Problems) int {
	cfg, err := Load(path)
	if err == nil {
		var ps Problems
		for _, m := range more {
			ps = append(ps, m(cfg)...)
		}
		if len(ps) > 0 {
			err = ps.sorted()
		}
	}
	if err != nil {
		var ps Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(w, p.Error())
			}
			fmt.Fprintf(w, "%d problem%s in %s\n", len(ps), plural(len(ps)), path)
		} else {
			fmt.Fprintln(w, err)
		}
		return 1
	}
	fmt.Fprintf(w, "ok: %s\n", path)
	cfg.Summary(w)
	return 0
}

// DemoOnly lists the key paths of settings fit for the demo but not for
// production (in-memory outboxes, the embedded directory), so that
// `serve` can refuse them or warn.
func (c *Config) DemoOnly() []string {
	var out []string
	if c.Directory.Embedded != nil {
		out = append(out, "directory.embedded")
	}
	if c.Mail.Outbox {
		out = append(out, "mail.outbox")
	}
	if c.SMS.Outbox {
		out = append(out, "sms.outbox")
	}
	return out
}

// Summary writes one line per section, naming what is configured without
// any secret value.
func (c *Config) Summary(w io.Writer) {
	line := func(section, format string, args ...any) {
		fmt.Fprintf(w, "  %-10s %s\n", section, fmt.Sprintf(format, args...))
	}
	s := c.Server
	line("server", "%s on %s (metrics %s), cookies secure=%t, %d trusted proxies", s.PublicURL, s.Addr, orNone(s.MetricsAddr), s.CookieSecure, len(s.TrustedProxies))
	line("log", "%s, %s", c.Log.Level, c.Log.Format)
	line("redis", "%s, password %s, tls=%t, prefix %q", c.Redis.mode(), secretState(c.Redis.Password), c.Redis.TLS.Enabled, c.Redis.KeyPrefix)
	line("directory", "%s", c.Directory.describe())
	line("students", "%s", c.Students.describe())
	line("mail", "%s", c.Mail.describe())
	line("sms", "%s", c.SMS.describe())
	line("flows", "theme %q, definitions %s, extra themes %s", c.Flows.Theme, orDefault(c.Flows.Dir, "embedded"), orNone(c.Themes.Dir))
	line("oidc", "%s", c.OIDC.describe())
	names, rules := c.Limits.rules()
	var ls []string
	for i, r := range rules {
		ls = append(ls, fmt.Sprintf("%s %d/%s", names[i], r.Rate, Duration(r.Per)))
	}
	line("limits", "%s", strings.Join(ls, ", "))
	line("sync", "left_policy %s, %d workers, login %q", c.Sync.LeftPolicy, c.Sync.Workers, c.Sync.LoginPattern)
	line("staff", "%s", c.Staff.describe())
	line("audit", "%s", c.Audit.describe())
	if d := c.DemoOnly(); len(d) > 0 {
		line("warning", "demo-only settings: %s", strings.Join(d, ", "))
	}
}

func (r Redis) mode() string {
	switch {
	case r.MasterName != "":
		return fmt.Sprintf("sentinel %q via %s", r.MasterName, strings.Join(r.Addrs, ", "))
	case len(r.Addrs) > 1:
		return "cluster " + strings.Join(r.Addrs, ", ")
	}
	return "single " + strings.Join(r.Addrs, "")
}

func (d Directory) describe() string {
	if d.Embedded != nil {
		return "embedded " + d.Embedded.Path
	}
	l := d.LDAP
	return fmt.Sprintf("ldap %s (%d read replicas), base %s, bind %s password %s", l.URL, len(l.ReadURLs), l.BaseDN, orDefault(l.BindDN, "anonymous"), secretState(l.BindPassword))
}

func (m Mail) describe() string {
	if m.Outbox {
		return "outbox (demo)"
	}
	s := m.SMTP
	return fmt.Sprintf("smtp %s:%d %s from %s, password %s", s.Host, s.Port, s.TLS, s.From, secretState(s.Password))
}

func (s SMS) describe() string {
	if s.Outbox {
		return "outbox (demo)"
	}
	var secrets []string
	for _, name := range sortedKeys(s.HTTP.Secrets) {
		secrets = append(secrets, name+" "+secretState(s.HTTP.Secrets[name]))
	}
	where := "(templated URL)"
	if u, err := url.Parse(s.HTTP.URL); err == nil { // the query may hold templates: not shown
		where = u.Scheme + "://" + u.Host + u.Path
	}
	return fmt.Sprintf("http %s %s, secrets: %s", s.HTTP.Method, where, orNone(strings.Join(secrets, ", ")))
}

func (o OIDC) describe() string {
	var ids []string
	for _, c := range o.Clients {
		kind := "confidential, secret " + secretState(c.Secret)
		if c.SecretHash != "" {
			kind = "confidential, secret hash"
		}
		if c.Public {
			kind = "public"
		}
		ids = append(ids, fmt.Sprintf("%s (%s)", c.ID, kind))
	}
	var ks []string
	for _, k := range o.Keys {
		ks = append(ks, fmt.Sprintf("%s %s %s", k.Use, k.Alg, filepath.Base(k.File)))
	}
	keys := "keys: " + strings.Join(ks, ", ")
	if o.KeysDir != "" {
		keys = "keys from " + o.KeysDir + ", active " + orDefault(o.ActiveKey, "the last by name")
	}
	return fmt.Sprintf("issuer %s, token HMAC secret %s, %s, session idle %s max %s, %d clients: %s", o.Issuer, secretState(o.Secret), keys, Duration(o.Session.IdleTimeout), Duration(o.Session.AbsoluteTimeout), len(o.Clients), strings.Join(ids, ", "))
}

func secretState(s Secret) string {
	if !s.IsSet() {
		return "unset"
	}
	return "set (" + s.Source() + ")"
}

func orNone(s string) string { return orDefault(s, "none") }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
