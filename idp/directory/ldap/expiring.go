package ldapdir

import (
	"context"
	"fmt"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
)

// Expiring returns the active accounts whose password expires between
// now and now+within (from pwdChangedTime and the entry's pwdMaxAge), for
// the reminders of seuil remind. Accounts already expired are left out:
// the sign-in page takes those to the expired flow.
//
// One paged search on one connection (a paging cookie belongs to its
// connection); only the accounts due are kept, a few hundred on the
// busiest day of a campaign.
func (d *Dir) Expiring(ctx context.Context, now time.Time, within time.Duration) ([]directory.Account, error) {
	filter := "(&(objectClass=inetOrgPerson)(pwdChangedTime=*))"
	var due []directory.Account
	err := d.read.do(ctx, func(c *ldap.Conn) error {
		due = due[:0]
		paging := ldap.NewControlPaging(500)
		for {
			req := ldap.NewSearchRequest(d.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
				0, 0, false, filter, d.attrs(), []ldap.Control{paging})
			res, err := c.Search(req)
			if err != nil {
				return err
			}
			for _, e := range res.Entries {
				acc, err := d.account(ctx, e)
				if err != nil {
					return err
				}
				exp := acc.PasswordExpiresAt
				if acc.State == directory.StateActive && !exp.IsZero() && exp.After(now) && !exp.After(now.Add(within)) {
					due = append(due, acc)
				}
			}
			ctrl, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
			if ctrl == nil || len(ctrl.Cookie) == 0 {
				return nil
			}
			paging.SetCookie(ctrl.Cookie)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("ldap: accounts about to expire: %w", err)
	}
	return due, nil
}
