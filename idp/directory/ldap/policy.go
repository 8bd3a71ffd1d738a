package ldapdir

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
)

// PasswordPolicy reads the ppolicy entry new accounts get: PolicyDN when
// set (written as their pwdPolicySubentry), else DefaultPolicyDN
// (ppolicy_default). Neither set: the zero policy (Source empty), a
// directory that says nothing, so nothing is checked against it.
func (d *Dir) PasswordPolicy(ctx context.Context) (directory.Policy, error) {
	dn := d.cfg.PolicyDN
	if dn == "" {
		dn = d.cfg.DefaultPolicyDN
	}
	if dn == "" {
		return directory.Policy{}, nil
	}
	e, err := d.policyEntry(ctx, d.read, dn, "pwdMaxAge", "pwdInHistory", "pwdMinLength")
	if err != nil {
		return directory.Policy{}, err
	}
	if e == nil {
		return directory.Policy{}, fmt.Errorf("ldap: policy %s: no such entry", dn)
	}
	p := directory.Policy{Source: dn}
	for attr, set := range map[string]func(int64){
		"pwdMaxAge":    func(n int64) { p.MaxAge = time.Duration(n) * time.Second },
		"pwdInHistory": func(n int64) { p.InHistory = int(n) },
		"pwdMinLength": func(n int64) { p.MinLength = int(n) },
	} {
		if v := e.GetAttributeValue(attr); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return directory.Policy{}, fmt.Errorf("ldap: policy %s %s %q is not a number", dn, attr, v)
			}
			set(n)
		}
	}
	return p, nil
}
