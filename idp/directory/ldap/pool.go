package ldapdir

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/ldapconn"
)

// pool is a small set of connections to some servers. A slot token in sem
// bounds how many are open; idle ones wait in idle. Connections found
// closing are replaced, and a connection whose operation hit a network
// error or a cancelled context is dropped.
type pool struct {
	name    string // write, read or bind, for metrics
	observe func(pool string, took time.Duration, outcome string)
	urls    []string
	next    atomic.Uint32
	dialer  ldapconn.Dialer
	setup   func(*ldap.Conn) error // e.g. bind as the service; nil: none
	idle    chan *ldap.Conn
	sem     chan struct{}
	closing chan struct{}
}

func newPool(name string, urls []string, d ldapconn.Dialer, size int, setup func(*ldap.Conn) error) *pool {
	return &pool{name: name, urls: urls, dialer: d, setup: setup,
		idle: make(chan *ldap.Conn, size), sem: make(chan struct{}, size), closing: make(chan struct{})}
}

// open dials the servers in turn, starting after the last one used, so
// that a replica that is down is skipped.
func (p *pool) open() (*ldap.Conn, error) {
	var errs []error
	start := p.next.Add(1)
	for i := range p.urls {
		url := p.urls[(int(start)+i)%len(p.urls)]
		c, err := p.dialer.Dial(url)
		if err == nil && p.setup != nil {
			if err = p.setup(c); err != nil {
				c.Close()
			}
		}
		if err == nil {
			return c, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", url, err))
	}
	return nil, errors.Join(errs...)
}

func (p *pool) get(ctx context.Context) (*ldap.Conn, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.closing:
		return nil, errors.New("ldap: directory closed")
	}
	for {
		select {
		case c := <-p.idle:
			if !c.IsClosing() {
				return c, nil
			}
			c.Close()
			continue
		default:
		}
		c, err := p.open()
		if err != nil {
			<-p.sem
			return nil, err
		}
		return c, nil
	}
}

func (p *pool) put(c *ldap.Conn, broken bool) {
	select {
	case <-p.closing:
		broken = true
	default:
	}
	if broken || c.IsClosing() {
		c.Close()
	} else {
		select {
		case p.idle <- c:
		default:
			c.Close()
		}
	}
	<-p.sem
}

// do runs fn on a pooled connection. The context is honoured by closing
// the connection when it is done (go-ldap has no context API). A network
// error is retried once on a fresh connection: every caller's operation
// is safe to repeat.
func (p *pool) do(ctx context.Context, fn func(*ldap.Conn) error) (err error) {
	if p.observe != nil {
		start := time.Now()
		defer func() { p.observe(p.name, time.Since(start), outcome(err)) }()
	}
	for attempt := 0; attempt < 2; attempt++ {
		var c *ldap.Conn
		if c, err = p.get(ctx); err != nil {
			return err
		}
		stop := context.AfterFunc(ctx, func() { c.Close() })
		err = fn(c)
		cancelled := !stop()
		network := ldap.IsErrorWithCode(err, ldap.ErrorNetwork)
		p.put(c, cancelled || network)
		if cancelled {
			return fmt.Errorf("ldap: %w", context.Cause(ctx))
		}
		if !network {
			return err
		}
	}
	return err
}

// outcome names how an operation ended: the server answered (ok, or
// refused with a result code: a wrong password, no such entry) or did
// not (failed: network, timeout, closed).
func outcome(err error) string {
	var le *ldap.Error
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &le) && le.ResultCode != ldap.ErrorNetwork && le.ResultCode < 200:
		return "refused"
	}
	return "failed"
}

// stats are the pool's connections: in use (each holds a slot) and
// idle.
func (p *pool) stats() PoolStats {
	return PoolStats{Pool: p.name, InUse: len(p.sem), Idle: len(p.idle), Size: cap(p.sem)}
}

func (p *pool) close() {
	close(p.closing)
	for {
		select {
		case c := <-p.idle:
			c.Close()
		default:
			return
		}
	}
}
