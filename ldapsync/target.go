package ldapsync

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
)

// target holds the connections to the directory's provider, bound as the
// service account: one per apply worker.
type target struct {
	cfg   ldapdir.Config
	l     *layout
	conns chan *ldap.Conn
}

// connect opens n connections to cfg.WriteURL, so that a wrong address or
// password fails before anything is read.
func connect(cfg ldapdir.Config, l *layout, n int) (*target, error) {
	if cfg.WriteURL == "" || cfg.BindDN == "" {
		return nil, errors.New("ldapsync: write_url and bind_dn are required")
	}
	t := &target{cfg: cfg, l: l, conns: make(chan *ldap.Conn, n)}
	for i := 0; i < n; i++ {
		c, err := t.dial()
		if err != nil {
			t.close()
			return nil, fmt.Errorf("ldapsync: connect to %s as %s: %w", cfg.WriteURL, cfg.BindDN, err)
		}
		t.conns <- c
	}
	return t, nil
}

func (t *target) dial() (*ldap.Conn, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.cfg.CAFile != "" {
		pem, err := os.ReadFile(t.cfg.CAFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", t.cfg.CAFile)
		}
	}
	timeout := t.cfg.DialTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	c, err := ldap.DialURL(t.cfg.WriteURL, ldap.DialWithDialer(&net.Dialer{Timeout: timeout}), ldap.DialWithTLSConfig(tc))
	if err != nil {
		return nil, err
	}
	op := t.cfg.OpTimeout
	if op <= 0 {
		op = 30 * time.Second
	}
	c.SetTimeout(op)
	if t.cfg.StartTLS && strings.HasPrefix(t.cfg.WriteURL, "ldap://") {
		if err := c.StartTLS(tc); err != nil {
			c.Close()
			return nil, err
		}
	}
	if err := c.Bind(t.cfg.BindDN, t.cfg.BindPassword); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// with runs fn on a pooled connection; a connection that is gone or hit
// a network error is replaced and fn retried once (every write here is
// idempotent: replace, or an add that tolerates our own earlier add). A
// nil in the pool stands for a connection that could not be redialled.
func (t *target) with(fn func(*ldap.Conn) error) error {
	c := <-t.conns
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if c == nil || c.IsClosing() {
			if c != nil {
				c.Close()
			}
			if c, err = t.dial(); err != nil {
				c = nil
				continue
			}
		}
		err = fn(c)
		if !ldap.IsErrorWithCode(err, ldap.ErrorNetwork) {
			break
		}
		c.Close()
		c = nil
	}
	t.conns <- c
	return err
}

func (t *target) close() {
	for {
		select {
		case c := <-t.conns:
			if c != nil {
				c.Close()
			}
		default:
			return
		}
	}
}
