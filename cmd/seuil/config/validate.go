package config

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
)

// validate checks the decoded tree; each section reports its own
// problems so that one bad key never hides another.
func validate(c *Config, r *report) {
	validateServer(&c.Server, r)
	r.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	r.oneOf("log.format", c.Log.Format, "json", "text")
	validateRedis(&c.Redis, r)
	validateDirectory(&c.Directory, r)
	checkStudents(&c.Students, r)
	validateMail(&c.Mail, r)
	validateSMS(&c.SMS, r)
	validateOIDC(c, r)
	validateLimits(&c.Limits, r)
	validateSync(&c.Sync, r)
	validateStaff(&c.Staff, r)
	validatePasskeys(&c.Passkeys, &c.Staff, c.Server.PublicURL, r)
	validateAudit(&c.Audit, r)
	if !themeName.MatchString(c.Flows.Theme) {
		r.add("flows.theme", "%q is not a theme name (letters, digits, - and _)", c.Flows.Theme)
	}
}

var themeName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func validateServer(s *Server, r *report) {
	r.hostPort("server.addr", s.Addr)
	if s.MetricsAddr != "" {
		r.hostPort("server.metrics_addr", s.MetricsAddr)
		if s.MetricsAddr == s.Addr {
			r.add("server.metrics_addr", "must differ from server.addr (%s)", s.Addr)
		}
	} else if s.Pprof {
		r.add("server.pprof", "needs server.metrics_addr: the profiles are served there, never on server.addr")
	}
	if r.required("server.public_url", s.PublicURL) {
		if u := r.webURL("server.public_url", s.PublicURL); u != nil && (u.RawQuery != "" || u.User != nil) {
			r.add("server.public_url", "%q must not have a query or user info", s.PublicURL)
		}
	}
	if s.CookieSecure == false && strings.HasPrefix(s.PublicURL, "https:") {
		r.add("server.cookie_secure", "must be true when server.public_url is https")
	}
	for i, p := range s.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			r.add(fmt.Sprintf("server.trusted_proxies[%d]", i), "%q is not a CIDR (e.g. 10.0.0.0/8) or an address", p)
		}
	}
	r.between("server.shutdown_timeout", s.ShutdownTimeout.D(), time.Second, 5*time.Minute)
}

func validateRedis(c *Redis, r *report) {
	if len(c.Addrs) == 0 {
		r.add("redis.addrs", "required")
	}
	for i, a := range c.Addrs {
		r.hostPort(fmt.Sprintf("redis.addrs[%d]", i), a)
	}
	cluster := len(c.Addrs) > 1 && c.MasterName == ""
	r.intBetween("redis.db", c.DB, 0, 15)
	if cluster && c.DB != 0 {
		r.add("redis.db", "must be 0 with Redis Cluster (several addrs without master_name)")
	}
	if c.SentinelPassword.IsSet() && c.MasterName == "" {
		r.add("redis.sentinel_password", "only for Sentinel (set master_name)")
	}
	if c.TLS.ServerName != "" || c.TLS.CAFile != "" {
		if !c.TLS.Enabled {
			r.add("redis.tls.enabled", "must be true when ca_file or server_name is set")
		}
	}
	if c.KeyPrefix == "" {
		r.add("redis.key_prefix", "must not be empty: the keys would mix with other applications'")
	}
	for name, d := range map[string]Duration{"dial_timeout": c.DialTimeout, "read_timeout": c.ReadTimeout, "write_timeout": c.WriteTimeout} {
		r.between("redis."+name, d.D(), 100*time.Millisecond, time.Minute)
	}
}

func validateLimits(l *Limits, r *report) {
	names, rules := l.rules()
	for i, rule := range rules {
		p := "limits." + names[i]
		if rule.Rate < 1 {
			r.add(p+".rate", "must be at least 1")
		}
		if rule.Burst < 1 {
			r.add(p+".burst", "must be at least 1")
		}
		r.between(p+".per", rule.Per, time.Second, 7*24*time.Hour)
	}
}

var placeholder = regexp.MustCompile(`\{[^}]*\}`)

func validateSync(s *Sync, r *report) {
	r.oneOf("sync.left_policy", s.LeftPolicy, "mark", "lock", "leave")
	if s.MaxLeft <= 0 || s.MaxLeft > 1 {
		r.add("sync.max_left", "%g is out of range (a fraction above 0, at most 1)", s.MaxLeft)
	}
	r.intBetween("sync.workers", s.Workers, 1, 64)
	// One syntax with the flows' done.login: {student_id} ({studentID},
	// the old spelling, is read as it).
	s.LoginPattern = directory.CanonicalLoginPattern(s.LoginPattern)
	if !strings.Contains(s.LoginPattern, directory.PlaceholderStudentID) {
		r.add("sync.login_pattern", "%q must contain {student_id}, so that logins are unique", s.LoginPattern)
	}
	for _, ph := range placeholder.FindAllString(s.LoginPattern, -1) {
		if ph != directory.PlaceholderStudentID {
			r.add("sync.login_pattern", "unknown placeholder %s (the one placeholder is {student_id})", ph)
		}
	}
	if bad := strings.Trim(placeholder.ReplaceAllString(s.LoginPattern, "0"), loginChars); bad != "" {
		r.add("sync.login_pattern", "%q may hold only letters, digits, '.', '_' and '-' around {student_id}", s.LoginPattern)
	}
}

const loginChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
