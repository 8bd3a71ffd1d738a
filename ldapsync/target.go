package ldapsync

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-ldap/ldap/v3"

	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/ldapconn"
)

// target holds the connections to the directory's provider, bound as the
// service account: one per apply worker.
type target struct {
	cfg    ldapdir.Config
	l      *layout
	dialer ldapconn.Dialer
	conns  chan *ldap.Conn
}

// connect opens n connections to cfg.WriteURL, so that a wrong address or
// password fails before anything is read.
func connect(cfg ldapdir.Config, l *layout, n int) (*target, error) {
	if cfg.WriteURL == "" || cfg.BindDN == "" {
		return nil, errors.New("ldapsync: write_url and bind_dn are required")
	}
	opts := ldapconn.Options{StartTLS: cfg.StartTLS, CAFile: cfg.CAFile, InsecureSkipVerify: cfg.InsecureSkipVerify,
		DialTimeout: cfg.DialTimeout, OpTimeout: cfg.OpTimeout}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = 30 * time.Second // bulk writes and paged reads: longer than ldapdir's 10 s
	}
	d, err := ldapconn.New(opts)
	if err != nil {
		return nil, fmt.Errorf("ldapsync: %w", err)
	}
	t := &target{cfg: cfg, l: l, dialer: d, conns: make(chan *ldap.Conn, n)}
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
	return t.dialer.DialBind(t.cfg.WriteURL, t.cfg.BindDN, t.cfg.BindPassword)
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
