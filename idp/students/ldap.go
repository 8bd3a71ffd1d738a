package students

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/ldapconn"
)

// LDAPConfig configures a student source read from a directory that the
// university already fills from APOGEE (e.g. with its own SupAnn sync).
type LDAPConfig struct {
	URL          string // ldap://… or ldaps://…
	StartTLS     bool
	CAFile       string // PEM bundle; empty: system roots
	BindDN       string // empty: anonymous
	BindPassword string
	BaseDN       string // e.g. ou=people,dc=univ-tours,dc=fr
	// Filter restricts the entries taken as students; default
	// (eduPersonAffiliation=student).
	Filter string
	// Attributes names the attributes holding each field; zero fields
	// take the SupAnn defaults (see DefaultLDAPAttributes).
	Attributes Columns
	Region     string        // default "FR"
	Timeout    time.Duration // per operation; default 5s
	PageSize   int           // bulk paged search; default 1000
}

// DefaultLDAPAttributes are the SupAnn attributes of a student entry.
func DefaultLDAPAttributes() Columns {
	return Columns{StudentID: "supannEtuId", INE: "supannCodeINE", INEKey: "-", LastName: "sn",
		FirstName: "givenName", BirthDate: "schacDateOfBirth", Mobile: "mobile",
		Email: "supannMailPerso", Year: "supannEtuAnneeInscription", EndDate: "supannEtuDateFin"}
}

// LDAP is a student source backed by an LDAP directory. It keeps one
// connection (go-ldap multiplexes concurrent operations on it) and
// redials when it breaks.
type LDAP struct {
	cfg    LDAPConfig
	names  [numFields]string
	dialer ldapconn.Dialer
	mu     sync.Mutex
	conn   *ldap.Conn
}

// NewLDAP connects (and binds) once, so that a wrong address or password
// fails at start.
func NewLDAP(ctx context.Context, cfg LDAPConfig) (*LDAP, error) {
	if cfg.URL == "" || cfg.BaseDN == "" {
		return nil, errors.New("students: LDAP source needs url and base_dn")
	}
	if cfg.Filter == "" {
		cfg.Filter = "(eduPersonAffiliation=student)"
	}
	if _, err := ldap.CompileFilter(cfg.Filter); err != nil {
		return nil, fmt.Errorf("students: LDAP filter %q: %w", cfg.Filter, err)
	}
	if cfg.Region == "" {
		cfg.Region = "FR"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 1000
	}
	d, err := ldapconn.New(ldapconn.Options{StartTLS: cfg.StartTLS, CAFile: cfg.CAFile,
		DialTimeout: cfg.Timeout, OpTimeout: cfg.Timeout})
	if err != nil {
		return nil, fmt.Errorf("students: %w", err)
	}
	s := &LDAP{cfg: cfg, names: ldapNames(cfg.Attributes), dialer: d}
	if _, err := s.get(); err != nil {
		return nil, fmt.Errorf("students: connect to %s: %w", cfg.URL, err)
	}
	return s, nil
}

// ldapNames fills unset attribute names with the SupAnn defaults; "-"
// means "no such attribute".
func ldapNames(c Columns) [numFields]string { return c.namesOr(DefaultLDAPAttributes()) }

// Close closes the connection.
func (s *LDAP) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// get returns the live connection, dialling and binding if needed.
func (s *LDAP) get() (*ldap.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil && !s.conn.IsClosing() {
		return s.conn, nil
	}
	c, err := s.dialer.DialBind(s.cfg.URL, s.cfg.BindDN, s.cfg.BindPassword)
	if err != nil {
		return nil, err
	}
	s.conn = c
	return c, nil
}
