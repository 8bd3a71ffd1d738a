package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/seuil-idp/seuil/idp/credentials"
	"github.com/seuil-idp/seuil/idp/staff"
)

// Staff is the staff console's section: who holds which role (the
// staff package's own Config) and the key that seals their second
// factors in the directory.
type Staff struct {
	staff.Config `yaml:",inline"`
	// CredentialsKey seals TOTP secrets and recovery codes at rest: 32
	// bytes, base64 or hex (openssl rand -base64 32). Every replica
	// shares it; losing it loses every enrolment (staff enrol again).
	CredentialsKey Secret `yaml:"credentials_key"`
}

// Key decodes CredentialsKey.
func (s Staff) Key() ([]byte, error) {
	v := strings.TrimSpace(s.CredentialsKey.Value())
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) == credentials.KeySize {
		return b, nil
	}
	if b, err := hex.DecodeString(v); err == nil && len(b) == credentials.KeySize {
		return b, nil
	}
	return nil, fmt.Errorf("must be %d bytes in base64 or hex (openssl rand -base64 32)", credentials.KeySize)
}

// Passkeys lets students sign in with a passkey (WebAuthn): offered on
// the done screen and "Mon compte", accepted on the sign-in page. The
// passkeys are sealed in the directory with staff.credentials_key, which
// must be set.
type Passkeys struct {
	Enabled bool `yaml:"enabled"`
}

func validatePasskeys(p *Passkeys, s *Staff, publicURL string, r *report) {
	if !p.Enabled {
		return
	}
	// WebAuthn binds a passkey to a domain name (the relying party id):
	// browsers refuse an IP address.
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" && net.ParseIP(u.Hostname()) != nil {
		r.add("passkeys.enabled", "server.public_url's host %s is an IP address: passkeys need a domain name (localhost on a developer machine)", u.Hostname())
	}
	if !s.CredentialsKey.IsSet() {
		r.add("passkeys.enabled", "needs staff.credentials_key, which seals the passkeys in the directory (openssl rand -base64 32)")
	} else if _, err := s.Key(); err != nil && !s.Enabled() {
		r.add("staff.credentials_key", "%s", err) // checked with the staff roles otherwise
	}
}

// Audit is where the audit trail is kept besides the log.
type Audit struct {
	// Store: "" (the log only), "file" (one JSON Lines file: the demo,
	// a single host) or "postgres" (shared by every replica).
	Store string `yaml:"store"`
	File  string `yaml:"file" seuil:"path,created"`
	// DSN is PostgreSQL's (postgres://user@host/db?sslmode=verify-full).
	DSN   Secret `yaml:"dsn"`
	Table string `yaml:"table"` // default "seuil_audit"
	// RetentionDays is how long events are kept (default 183: six months,
	// the CNIL's lower bound for logs; at most 3 years).
	RetentionDays int `yaml:"retention_days"`
}

func validateStaff(s *Staff, r *report) {
	if err := s.Config.Validate(); err != nil {
		key, msg, _ := strings.Cut(err.Error(), ": ")
		r.add("staff."+key, "%s", msg)
	}
	if !s.Enabled() {
		return
	}
	if !s.CredentialsKey.IsSet() {
		r.add("staff.credentials_key", "required when a staff role is given (it seals the second factors; openssl rand -base64 32)")
	} else if _, err := s.Key(); err != nil {
		r.add("staff.credentials_key", "%s", err)
	}
}

func validateAudit(a *Audit, r *report) {
	r.oneOf("audit.store", a.Store, "", "file", "postgres")
	switch a.Store {
	case "file":
		r.required("audit.file", a.File)
	case "postgres":
		if !a.DSN.IsSet() {
			r.add("audit.dsn", "required with audit.store: postgres")
		}
	}
	if a.Table != "" && strings.Trim(a.Table, "abcdefghijklmnopqrstuvwxyz_0123456789") != "" {
		r.add("audit.table", "%q: lower-case letters, digits and _ only", a.Table)
	}
	r.intBetween("audit.retention_days", a.RetentionDays, 0, 3*366)
}

func (s Staff) describe() string {
	if !s.Enabled() {
		return "no role given: no console"
	}
	count := func(h staff.Holders) string {
		return fmt.Sprintf("%d logins, %d groups, %d entitlements", len(h.Logins), len(h.Groups), len(h.Entitlements))
	}
	return fmt.Sprintf("console at /admin/; helpdesk: %s; admin: %s; credentials key %s",
		count(s.Helpdesk), count(s.Admin), secretState(s.CredentialsKey))
}

func (a Audit) describe() string {
	days := a.RetentionDays
	if days == 0 {
		days = 183
	}
	switch a.Store {
	case "file":
		return fmt.Sprintf("file %s, kept %d days", a.File, days)
	case "postgres":
		return fmt.Sprintf("postgres (dsn %s), table %q, kept %d days", secretState(a.DSN), orDefault(a.Table, "seuil_audit"), days)
	}
	return "log lines only (no store: the console shows no history)"
}
