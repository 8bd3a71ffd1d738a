package ldapdir

import (
	"context"
	"fmt"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
)

// FindBy returns the accounts (at most 10) whose INE, e-mail or mobile
// equals value exactly: the value is escaped, so "*" is a star, never a
// wildcard.
func (d *Dir) FindBy(ctx context.Context, field, value string) ([]directory.Account, error) {
	a := d.cfg.Attributes
	attr := map[string]string{directory.FieldINE: a.INE, directory.FieldEmail: a.Email, directory.FieldMobile: a.Mobile}[field]
	if attr == "" || value == "" {
		return nil, fmt.Errorf("ldap: cannot search by %q", field)
	}
	filter := fmt.Sprintf("(&(objectClass=inetOrgPerson)(%s=%s))", attr, ldap.EscapeFilter(value))
	req := ldap.NewSearchRequest(d.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		10, int(d.cfg.OpTimeout.Seconds()), false, filter, d.attrs(), nil)
	var res *ldap.SearchResult
	err := d.read.do(ctx, func(c *ldap.Conn) (err error) { res, err = c.Search(req); return err })
	if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) && res != nil {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("ldap: search %s: %w", attr, err)
	}
	var out []directory.Account
	for _, e := range res.Entries {
		acc, err := d.account(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, acc)
	}
	return out, nil
}
