package config

import (
	"time"

	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
)

// Directory is where accounts live: exactly one of Embedded or LDAP.
type Directory struct {
	Embedded *EmbeddedDirectory `yaml:"embedded"`
	LDAP     *LDAPDirectory     `yaml:"ldap"`
}

// EmbeddedDirectory is the file-backed store of the demo.
type EmbeddedDirectory struct {
	Path string `yaml:"path" seuil:"path,created"` // created if missing
}

// LDAPConn is how to reach and bind to an LDAP server.
type LDAPConn struct {
	URL          string `yaml:"url"`     // ldaps://… or ldap://… with start_tls
	BindDN       string `yaml:"bind_dn"` // empty: anonymous
	BindPassword Secret `yaml:"bind_password"`
	BaseDN       string `yaml:"base_dn"`
	StartTLS     bool   `yaml:"start_tls"`
	CAFile       string `yaml:"ca_file" seuil:"path"` // empty: system roots
}

// LDAPDirectory is the production directory (OpenLDAP with ppolicy), in
// the shape of idp/directory/ldap.Config.
type LDAPDirectory struct {
	LDAPConn `yaml:",inline"`
	// ReadURLs are replicas for searches and user binds; writes go to URL.
	ReadURLs []string `yaml:"read_urls"`
	// InsecureSkipVerify is refused unless the server is on loopback.
	InsecureSkipVerify bool     `yaml:"insecure_skip_verify"`
	DialTimeout        Duration `yaml:"dial_timeout"` // default 5s
	OpTimeout          Duration `yaml:"op_timeout"`   // default 10s
	PoolSize           int      `yaml:"pool_size"`    // per pool; default 4
	// MailDomain is the scope of eduPersonPrincipalName (login@domain).
	MailDomain string `yaml:"mail_domain"`
	// PolicyDN is written as pwdPolicySubentry on new accounts; empty: the
	// server's default policy.
	PolicyDN string `yaml:"policy_dn"`
	// DefaultPolicyDN is ppolicy_default's entry, read for pwdMaxAge.
	DefaultPolicyDN string `yaml:"default_policy_dn"`
	// HistoryCheck: auto (default) also checks a new password against
	// the entry's pwdHistory and userPassword in Seuil before writing, so
	// history holds even where ppolicy does not enforce it; off leaves it
	// to ppolicy alone.
	HistoryCheck string `yaml:"history_check"`
	// Attributes overrides the SupAnn attribute names of an account (the
	// directory's own type); empty fields keep its defaults.
	Attributes ldapdir.Attributes `yaml:"attributes"`
}

func (l *LDAPDirectory) setDefaults() {
	l.DialTimeout, l.OpTimeout = Duration(5*time.Second), Duration(10*time.Second)
	l.PoolSize = 4
}
