package ldapdir

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config says where the directory is and how accounts are laid out in it.
type Config struct {
	// WriteURL is the provider (master) all writes go to, e.g.
	// "ldaps://ldap.univ-tours.fr" or "ldap://127.0.0.1:389".
	WriteURL string
	// ReadURLs are replicas for searches and user binds, tried in turn;
	// empty means WriteURL.
	ReadURLs []string
	// BindDN and BindPassword are the service account's: it needs write
	// (never manage, never the rootDN) access so ppolicy applies to it.
	BindDN       string
	BindPassword string
	// BaseDN holds the accounts, e.g. "ou=people,dc=univ-tours,dc=fr".
	BaseDN string
	// Domain makes eduPersonPrincipalName: login@Domain. Empty: not set.
	Domain string
	// DefaultPolicyDN is ppolicy_default's entry, read for pwdMaxAge when
	// an entry has no pwdPolicySubentry. Empty: expiry dates stay unknown.
	DefaultPolicyDN string
	// PolicyDN, if set, is written as pwdPolicySubentry on new accounts,
	// so students get their own policy (the service account needs write
	// access to that attribute). Empty: the server's default applies.
	PolicyDN string
	// HistoryCheck: HistoryAuto (default, "") checks history in Seuil too,
	// HistoryOff leaves it to ppolicy. Either way the policy must keep
	// history (pwdInHistory ≥ 1): New warns when it does not.
	HistoryCheck HistoryCheck
	// StartTLS upgrades ldap:// connections; ldaps:// URLs use TLS anyway.
	StartTLS bool
	// CAFile is a PEM bundle to verify the server; empty: system roots.
	CAFile string
	// InsecureSkipVerify turns certificate checks off: for a server on
	// loopback only (the configuration loader refuses it elsewhere).
	InsecureSkipVerify bool
	// DialTimeout bounds connecting (default 5 s); OpTimeout bounds each
	// operation (default 10 s).
	DialTimeout time.Duration
	OpTimeout   time.Duration
	// PoolSize is the number of connections per pool (write, read, bind);
	// default 4.
	PoolSize int
	// Attributes maps account fields to attribute names; zero fields take
	// the SupAnn defaults.
	Attributes Attributes
	// Logger receives warnings (grace logins used, unusable values).
	Logger *slog.Logger
}

// Attributes names the LDAP attributes of an account.
type Attributes struct {
	Login      string `yaml:"login"`       // default "uid" (also the RDN)
	AliasLogin string `yaml:"alias_login"` // default "supannAliasLogin"
	StudentID  string `yaml:"student_id"`  // default "supannEtuId"
	INE        string `yaml:"ine"`         // default "supannCodeINE"
	FirstName  string `yaml:"first_name"`  // default "givenName"
	LastName   string `yaml:"last_name"`   // default "sn"
	Mobile     string `yaml:"mobile"`      // default "mobile"
	Email      string `yaml:"email"`       // default "supannMailPerso"
	State      string `yaml:"state"`       // default "supannRessourceEtatDate"
	Subject    string `yaml:"subject"`     // default "entryUUID" (operational, stable, opaque)
}

func (a *Attributes) defaults() {
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&a.Login, "uid")
	set(&a.AliasLogin, "supannAliasLogin")
	set(&a.StudentID, "supannEtuId")
	set(&a.INE, "supannCodeINE")
	set(&a.FirstName, "givenName")
	set(&a.LastName, "sn")
	set(&a.Mobile, "mobile")
	set(&a.Email, "supannMailPerso")
	set(&a.State, "supannRessourceEtatDate")
	set(&a.Subject, "entryUUID")
}

// Set overrides one attribute by its logical name, as written in the
// configuration file: login, alias_login, student_id, ine, first_name,
// last_name, mobile, email, state, subject.
func (a *Attributes) Set(name, attr string) error {
	fields := map[string]*string{
		"login": &a.Login, "alias_login": &a.AliasLogin, "student_id": &a.StudentID, "ine": &a.INE,
		"first_name": &a.FirstName, "last_name": &a.LastName, "mobile": &a.Mobile, "email": &a.Email,
		"state": &a.State, "subject": &a.Subject,
	}
	p, ok := fields[name]
	if !ok {
		return fmt.Errorf("ldap: attributes: unknown field %q", name)
	}
	if attr == "" {
		return fmt.Errorf("ldap: attributes.%s: empty attribute name", name)
	}
	*p = attr
	return nil
}

// validate fills defaults and reports the first missing setting.
func (c *Config) validate() error {
	switch {
	case c.WriteURL == "":
		return errors.New("ldap: write_url is required")
	case c.BindDN == "" || c.BindPassword == "":
		return errors.New("ldap: bind_dn and bind_password (a service account) are required")
	case c.BaseDN == "":
		return errors.New("ldap: base_dn is required")
	case c.PoolSize < 0:
		return fmt.Errorf("ldap: pool_size %d is negative", c.PoolSize)
	case c.HistoryCheck != "" && c.HistoryCheck != HistoryAuto && c.HistoryCheck != HistoryOff:
		return fmt.Errorf("ldap: history_check %q: want auto or off", c.HistoryCheck)
	}
	if c.HistoryCheck == "" {
		c.HistoryCheck = HistoryAuto
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.OpTimeout <= 0 {
		c.OpTimeout = 10 * time.Second
	}
	if c.PoolSize == 0 {
		c.PoolSize = 4
	}
	if len(c.ReadURLs) == 0 {
		c.ReadURLs = []string{c.WriteURL}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Attributes.defaults()
	return nil
}
