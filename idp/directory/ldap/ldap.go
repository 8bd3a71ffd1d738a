// Package ldapdir is the production Directory: student accounts in an
// OpenLDAP directory with the SupAnn schema. Passwords are set with the
// Password Modify extended operation as a service account with write
// access, so the server hashes them and its ppolicy overlay enforces
// history and expiry; Seuil also checks history itself (HistoryCheck),
// since ppolicy does not for a service account with manage access. Users
// are authenticated by binding as them.
package ldapdir

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/ldapconn"
)

// Dir is a Directory backed by LDAP. It is safe for concurrent use.
type Dir struct {
	cfg    Config
	layout Layout
	write  *pool // service account on the provider: writes and read-your-writes
	read   *pool // service account on the replicas: searches
	auth   *pool // anonymous connections on the replicas, used only for user binds
	binds  bindTimes

	mu       sync.Mutex
	policies map[string]cachedAge // policy DN → pwdMaxAge
}

type cachedAge struct {
	age     time.Duration
	fetched time.Time
}

var _ directory.Directory = (*Dir)(nil)

// New checks cfg and connects as the service account once, so that a
// wrong URL or password fails at start rather than at the first login.
func New(ctx context.Context, cfg Config) (*Dir, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	d, err := ldapconn.New(ldapconn.Options{StartTLS: cfg.StartTLS, CAFile: cfg.CAFile,
		InsecureSkipVerify: cfg.InsecureSkipVerify, DialTimeout: cfg.DialTimeout, OpTimeout: cfg.OpTimeout})
	if err != nil {
		return nil, err
	}
	bindService := func(c *ldap.Conn) error { return c.Bind(cfg.BindDN, cfg.BindPassword) }
	dir := &Dir{
		cfg:      cfg,
		layout:   cfg.Layout(),
		write:    newPool("write", []string{cfg.WriteURL}, d, cfg.PoolSize, bindService),
		read:     newPool("read", cfg.ReadURLs, d, cfg.PoolSize, bindService),
		auth:     newPool("bind", cfg.ReadURLs, d, cfg.PoolSize, nil),
		policies: map[string]cachedAge{},
	}
	if err := dir.write.do(ctx, func(*ldap.Conn) error { return nil }); err != nil {
		dir.Close()
		return nil, fmt.Errorf("ldap: connect to %s as %s: %w", cfg.WriteURL, cfg.BindDN, err)
	}
	dir.warnHistoryPolicy(ctx)
	return dir, nil
}

// Observe has fn told of every operation on the directory: its pool
// (write, read or bind), how long it took, waiting for a connection
// included, and its outcome (ok; refused: the server answered with an
// error result, a wrong password or no such entry; failed: no answer).
// For metrics: fn must be quick. Call it before the directory is used.
func (d *Dir) Observe(fn func(pool string, took time.Duration, outcome string)) {
	d.write.observe, d.read.observe, d.auth.observe = fn, fn, fn
}

// PoolStats are one pool's connections.
type PoolStats struct {
	Pool        string // write, read or bind
	InUse, Idle int
	Size        int // the most in use at once (pool_size)
}

// PoolStats returns each pool's connections now.
func (d *Dir) PoolStats() []PoolStats {
	return []PoolStats{d.write.stats(), d.read.stats(), d.auth.stats()}
}

// Close closes the idle connections; connections in use close when
// their operation ends.
func (d *Dir) Close() {
	d.write.close()
	d.read.close()
	d.auth.close()
}

// Ping checks that the provider answers the service account, for
// readiness probes.
func (d *Dir) Ping(ctx context.Context) error {
	req := ldap.NewSearchRequest(d.cfg.BaseDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
		int(d.cfg.OpTimeout/time.Second), false, "(objectClass=*)", []string{"1.1"}, nil)
	return d.write.do(ctx, func(c *ldap.Conn) error {
		_, err := c.Search(req)
		return err
	})
}

// attrs lists what an account is read with.
func (d *Dir) attrs() []string {
	a := d.cfg.Attributes
	return []string{a.Login, a.AliasLogin, a.StudentID, a.INE, a.FirstName, a.LastName,
		a.Mobile, a.Email, a.State, a.Subject, "cn", "eduPersonPrincipalName",
		"pwdChangedTime", "pwdPolicySubentry", "pwdAccountLockedTime"}
}

// searchOne finds the single entry whose attr equals value (escaped: a
// login such as "*)(uid=*" matches nothing), read with the account's
// attributes and extra. nil, nil when none.
func (d *Dir) searchOne(ctx context.Context, p *pool, attr, value string, extra ...string) (*ldap.Entry, error) {
	return d.searchWith(ctx, p, attr, value, append(d.attrs(), extra...))
}

// searchWith is searchOne reading attrs only.
func (d *Dir) searchWith(ctx context.Context, p *pool, attr, value string, attrs []string) (*ldap.Entry, error) {
	filter := fmt.Sprintf("(&(objectClass=inetOrgPerson)(%s=%s))", attr, ldap.EscapeFilter(value))
	req := ldap.NewSearchRequest(d.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		2, int(d.cfg.OpTimeout/time.Second), false, filter, attrs, nil)
	var res *ldap.SearchResult
	err := p.do(ctx, func(c *ldap.Conn) (err error) {
		res, err = c.Search(req)
		return err
	})
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ldap: search %s: %w", attr, err)
	}
	switch len(res.Entries) {
	case 0:
		return nil, nil
	case 1:
		return res.Entries[0], nil
	}
	return nil, fmt.Errorf("ldap: %d entries with the same %s", len(res.Entries), attr)
}

func (d *Dir) find(ctx context.Context, p *pool, attr, value string) (directory.Account, error) {
	if value == "" {
		return directory.Account{}, directory.ErrNotFound
	}
	e, err := d.searchOne(ctx, p, attr, value)
	if err != nil {
		return directory.Account{}, err
	}
	if e == nil {
		return directory.Account{}, directory.ErrNotFound
	}
	return d.account(ctx, e)
}

// FindByStudentID returns the account of a student number, or ErrNotFound.
func (d *Dir) FindByStudentID(ctx context.Context, studentID string) (directory.Account, error) {
	return d.find(ctx, d.read, d.cfg.Attributes.StudentID, studentID)
}

// FindByLogin returns the account with that login, or ErrNotFound.
func (d *Dir) FindByLogin(ctx context.Context, login string) (directory.Account, error) {
	return d.find(ctx, d.read, d.cfg.Attributes.Login, login)
}

var errEmpty = errors.New("ldap: empty student number or login")
