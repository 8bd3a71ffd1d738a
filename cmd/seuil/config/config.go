// Package config holds Seuil's configuration: one plain struct tree read
// from one YAML file, with secrets from files or the environment,
// validated once at start. Every problem names the file, the line and the
// key path (seuil.yaml:12: redis.addrs[0]: ...), and all problems are
// reported together.
//
// Secrets (fields of type Secret) are given in one of three ways, the
// first that is set winning:
//
//  1. the environment variable SEUIL_<KEY PATH> (EnvName), e.g.
//     SEUIL_REDIS_PASSWORD, SEUIL_DIRECTORY_LDAP_BIND_PASSWORD,
//     SEUIL_OIDC_CLIENTS_PJWEB_SECRET (list items with an id are named by
//     their id, upper-cased, other characters than letters and digits
//     becoming "_");
//  2. the file named by the sibling key <name>_file, e.g.
//     password_file: /run/secrets/redis-password (a Kubernetes Secret
//     mounted as files; one trailing newline is trimmed);
//  3. the key itself, in clear in the file (for tests and demos).
//
// Where a component has its own settings type, the file is decoded into
// it as it is, defaults included: session.Config, provider.Lifetimes,
// regulation.Limit, staff.Config, notify.HTTPSMSConfig and GuardConfig,
// ldapdir.Attributes, students.Columns. This package keeps what is no
// component's: loading, secrets, cross-field checks and their messages.
// cmd/seuil's settingsOf is the one place the rest becomes the
// components' settings, and its test changes every key of Keys in turn
// to prove each one reaches a component.
package config

import "time"

// Config is the whole configuration of a Seuil server.
type Config struct {
	Server    Server    `yaml:"server"`
	Log       Log       `yaml:"log"`
	Redis     Redis     `yaml:"redis"`
	Directory Directory `yaml:"directory"`
	Students  Students  `yaml:"students"`
	Mail      Mail      `yaml:"mail"`
	SMS       SMS       `yaml:"sms"`
	Flows     Flows     `yaml:"flows"`
	Themes    Themes    `yaml:"themes"`
	Limits    Limits    `yaml:"limits"`
	OIDC      OIDC      `yaml:"oidc"`
	Sync      Sync      `yaml:"sync"`
	Staff     Staff     `yaml:"staff"`
	Audit     Audit     `yaml:"audit"`
	Passkeys  Passkeys  `yaml:"passkeys"`

	src *source // where the keys were read; nil for a Config built in code
}

// Server is the HTTP listener and how the server is reached from outside.
type Server struct {
	Addr string `yaml:"addr"` // default ":8080"
	// PublicURL is the URL students and relying parties use; its path is
	// the prefix every route is served under.
	PublicURL string `yaml:"public_url"`
	// TrustedProxies are the CIDRs (or single addresses) whose
	// X-Forwarded-For is believed, for rate limits by client address.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// CookieSecure defaults to true when PublicURL is https.
	CookieSecure    bool     `yaml:"cookie_secure"`
	MetricsAddr     string   `yaml:"metrics_addr"`     // e.g. ":9090"; empty: no metrics listener
	ShutdownTimeout Duration `yaml:"shutdown_timeout"` // default 15s
	// Pprof serves Go's profiles (/debug/pprof/) on metrics_addr, for an
	// operator measuring where the time goes; off by default, and only
	// with metrics_addr (which must not be exposed outside).
	Pprof bool `yaml:"pprof"`
}

// Log chooses the level and format of log/slog output.
type Log struct {
	Level  string `yaml:"level"`  // debug|info|warn|error; default info
	Format string `yaml:"format"` // json|text; default json
}

// Redis is the state store. One address: a single server; MasterName:
// Sentinel (Addrs are the sentinels); several addresses without
// MasterName: Cluster.
type Redis struct {
	Addrs            []string `yaml:"addrs"`
	MasterName       string   `yaml:"master_name"`
	Username         string   `yaml:"username"`
	Password         Secret   `yaml:"password"`
	SentinelPassword Secret   `yaml:"sentinel_password"`
	DB               int      `yaml:"db"`
	TLS              TLS      `yaml:"tls"`
	KeyPrefix        string   `yaml:"key_prefix"`    // default "seuil:"
	DialTimeout      Duration `yaml:"dial_timeout"`  // default 5s
	ReadTimeout      Duration `yaml:"read_timeout"`  // default 3s
	WriteTimeout     Duration `yaml:"write_timeout"` // default 3s
}

// TLS configures a client TLS connection.
type TLS struct {
	Enabled    bool   `yaml:"enabled"`
	CAFile     string `yaml:"ca_file" seuil:"path"` // empty: system roots
	ServerName string `yaml:"server_name"`
}

// Flows locates the flow definitions (activation, reset, expired).
type Flows struct {
	// Dir holds YAML definitions that replace the embedded ones with the
	// same name; empty: the embedded definitions only.
	Dir   string `yaml:"dir" seuil:"path"`
	Theme string `yaml:"theme"` // default theme; default "default"
	// Preview serves /preview: every screen of every theme with sample
	// data, for admins working on a theme (no personal data is shown).
	Preview bool `yaml:"preview"`
}

// Themes locates extra themes besides the embedded "default".
type Themes struct {
	Dir string `yaml:"dir" seuil:"path"`
}

// Sync configures ldapsync (seuil sync), as ldapsync.Options.
type Sync struct {
	// LeftPolicy says what happens to accounts whose student left the
	// source: mark (set an end date), lock, or leave untouched.
	LeftPolicy string `yaml:"left_policy"` // default mark
	// MaxLeft refuses the left policy when it would hit more than this
	// fraction of the accounts (a truncated extraction must not mark
	// every student as gone); default 0.2.
	MaxLeft float64 `yaml:"max_left"`
	Workers int     `yaml:"workers"` // concurrent LDAP connections; default 4
	// LoginPattern makes the login from the student number:
	// {studentID}; default "{studentID}T".
	LoginPattern string `yaml:"login_pattern"`
}

// Default returns the configuration that an empty file gives (before the
// required keys are checked).
func Default() *Config {
	return &Config{
		Server:   Server{Addr: ":8080", ShutdownTimeout: Duration(15e9)},
		Log:      Log{Level: "info", Format: "json"},
		Redis:    Redis{KeyPrefix: "seuil:", DialTimeout: Duration(5e9), ReadTimeout: Duration(3e9), WriteTimeout: Duration(3e9)},
		Flows:    Flows{Theme: "default"},
		Limits:   defaultLimits(),
		OIDC:     defaultOIDC(),
		Sync:     Sync{LeftPolicy: "mark", MaxLeft: 0.2, Workers: 4, LoginPattern: "{student_id}T"},
		Mail:     Mail{Wait: Duration(250 * time.Millisecond)},
		SMS:      SMS{Wait: Duration(250 * time.Millisecond)},
		Students: defaultStudents(),
	}
}
