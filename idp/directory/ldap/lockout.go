package ldapdir

import (
	"context"
	"fmt"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
)

var lockoutAttrs = []string{"pwdAccountLockedTime", "pwdFailureTime", "pwdGraceUseTime"}

// Lockout reads ppolicy's lockout state of an account.
func (d *Dir) Lockout(ctx context.Context, login string) (directory.Lockout, error) {
	e, err := d.searchOne(ctx, d.write, d.cfg.Attributes.Login, login, lockoutAttrs...)
	if err != nil {
		return directory.Lockout{}, err
	}
	if e == nil {
		return directory.Lockout{}, directory.ErrNotFound
	}
	var l directory.Lockout
	parse := func(v string) time.Time {
		t, err := ber.ParseGeneralizedTime([]byte(v))
		if err != nil {
			return time.Time{}
		}
		return t.UTC()
	}
	if v := e.GetAttributeValue("pwdAccountLockedTime"); v != "" {
		l.LockedAt = parse(v)
		if l.LockedAt.IsZero() { // "000001010000Z": locked until an administrator unlocks
			l.LockedAt = time.Unix(0, 0).UTC()
		}
	}
	for _, v := range e.GetAttributeValues("pwdFailureTime") {
		l.Failures++
		if t := parse(v); t.After(l.LastFailure) {
			l.LastFailure = t
		}
	}
	l.GraceUsed = len(e.GetAttributeValues("pwdGraceUseTime"))
	return l, nil
}

// Unlock lifts ppolicy's lockout of an account (the helpdesk's "lift the
// blocks"), as the service account, which needs write access to
// pwdAccountLockedTime.
func (d *Dir) Unlock(ctx context.Context, login string) error {
	e, err := d.searchOne(ctx, d.write, d.cfg.Attributes.Login, login, lockoutAttrs...)
	if err != nil {
		return err
	}
	if e == nil {
		return directory.ErrNotFound
	}
	// pwdFailureTime admits no modification; ppolicy forgets the
	// failures itself when the lock is deleted.
	if e.GetAttributeValue("pwdAccountLockedTime") == "" {
		return nil
	}
	req := ldap.NewModifyRequest(e.DN, nil)
	req.Delete("pwdAccountLockedTime", nil)
	if err := d.write.do(ctx, func(c *ldap.Conn) error { return c.Modify(req) }); err != nil {
		return fmt.Errorf("ldap: unlock %s: %w", login, err)
	}
	return nil
}
