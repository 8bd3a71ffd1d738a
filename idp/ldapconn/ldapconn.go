// Package ldapconn opens LDAP connections with the TLS and timeout
// settings that every LDAP client of Seuil shares: the directory
// (ldapdir), the sync (ldapsync) and the LDAP student source. It imports
// nothing of Seuil, so that all three can use it.
package ldapconn

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Options says how to reach a server. Defaults are the caller's: a zero
// timeout means none.
type Options struct {
	// StartTLS upgrades ldap:// connections; ldaps:// URLs use TLS anyway.
	StartTLS bool
	// CAFile is a PEM bundle to verify the server; empty: system roots.
	CAFile string
	// InsecureSkipVerify turns certificate checks off: for a server on
	// loopback only (the configuration loader refuses it elsewhere).
	InsecureSkipVerify bool
	// DialTimeout bounds connecting; OpTimeout bounds each operation.
	DialTimeout time.Duration
	OpTimeout   time.Duration
}

// Dialer opens connections. The zero value is not usable: see New.
type Dialer struct {
	tls       *tls.Config
	startTLS  bool
	timeout   time.Duration
	opTimeout time.Duration
}

// New reads the CA file once, so that a missing or empty bundle fails at
// start rather than at the first connection.
func New(o Options) (Dialer, error) {
	d := Dialer{startTLS: o.StartTLS, timeout: o.DialTimeout, opTimeout: o.OpTimeout,
		tls: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureSkipVerify}} //nolint:gosec // loopback only, checked by the config loader
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return Dialer{}, fmt.Errorf("ldap: ca_file: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return Dialer{}, fmt.Errorf("ldap: ca_file %s holds no PEM certificate", o.CAFile)
		}
		d.tls.RootCAs = roots
	}
	return d, nil
}

// Dial connects to url (ldap:// or ldaps://), upgrading with StartTLS if
// asked. The certificate is checked against the URL's host name: StartTLS
// needs it set explicitly (go-ldap only fills it in for ldaps://).
func (d Dialer) Dial(url string) (*ldap.Conn, error) {
	cfg := d.tls.Clone()
	if host := hostOf(url); host != "" {
		cfg.ServerName = host
	}
	c, err := ldap.DialURL(url, ldap.DialWithDialer(&net.Dialer{Timeout: d.timeout}), ldap.DialWithTLSConfig(cfg))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(d.opTimeout)
	if d.startTLS && strings.HasPrefix(url, "ldap://") {
		if err := c.StartTLS(cfg); err != nil {
			c.Close()
			return nil, fmt.Errorf("starttls: %w", err)
		}
	}
	return c, nil
}

// DialBind dials and binds as dn; an empty dn stays anonymous.
func (d Dialer) DialBind(url, dn, password string) (*ldap.Conn, error) {
	c, err := d.Dial(url)
	if err != nil || dn == "" {
		return c, err
	}
	if err := c.Bind(dn, password); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func hostOf(url string) string {
	_, rest, ok := strings.Cut(url, "://")
	if !ok {
		return ""
	}
	rest, _, _ = strings.Cut(rest, "/")
	if h, _, err := net.SplitHostPort(rest); err == nil {
		return h
	}
	return rest
}
