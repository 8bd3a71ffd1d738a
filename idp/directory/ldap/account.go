package ldapdir

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/directory"
)

// SupAnn 2018 account state values of supannRessourceEtatDate: state
// letter, sub-state, start date (AAAAMMJJ), end date (empty). EtatValue
// completes one of the prefixes.
const (
	EtatPrefix  = "{COMPTE}"
	EtatCreated = EtatPrefix + "I:SupannCree:"
	EtatActive  = EtatPrefix + "A:SupannActif:"
	// EtatLocked marks the account of a student who left: inactive,
	// expired (SupAnn 2018 sub-state), as ldapsync's lock policy asks.
	EtatLocked = EtatPrefix + "I:SupannExpire:"
)

// EtatValue is the state value starting at now's day (UTC), open-ended.
func EtatValue(prefix string, now time.Time) string {
	return prefix + now.UTC().Format("20060102") + ":"
}

// compteValue is the {COMPTE} value among the entry's resource states.
func compteValue(vals []string) string {
	for _, v := range vals {
		if strings.HasPrefix(v, EtatPrefix) {
			return v
		}
	}
	return ""
}

// parseState reads the SupAnn account state. An entry without one (made
// by another tool) is active once a password was set.
func parseState(v string, hasPassword bool) directory.State {
	switch {
	case v == "":
		if hasPassword {
			return directory.StateActive
		}
		return directory.StateCreated
	case strings.HasPrefix(v, EtatPrefix+"A:"):
		return directory.StateActive
	case strings.HasPrefix(v, EtatCreated):
		return directory.StateCreated
	}
	return directory.StateLocked // I (inactive) other than created, S (suspended)
}

func (d *Dir) account(ctx context.Context, e *ldap.Entry) (directory.Account, error) {
	a := d.cfg.Attributes
	acc := directory.Account{
		Login:     e.GetAttributeValue(a.Login),
		Subject:   e.GetAttributeValue(a.Subject),
		StudentID: e.GetAttributeValue(a.StudentID),
		INE:       e.GetAttributeValue(a.INE),
		FirstName: e.GetAttributeValue(a.FirstName),
		LastName:  e.GetAttributeValue(a.LastName),
		Email:     e.GetAttributeValue(a.Email),
		Mobile:    e.GetAttributeValue(a.Mobile),
	}
	if acc.Subject == "" {
		return acc, fmt.Errorf("ldap: entry %s has no %s to use as subject", e.DN, a.Subject)
	}
	if v := e.GetAttributeValue("pwdChangedTime"); v != "" {
		t, err := ber.ParseGeneralizedTime([]byte(v))
		if err != nil {
			return acc, fmt.Errorf("ldap: %s pwdChangedTime %q: %w", e.DN, v, err)
		}
		acc.PasswordChangedAt = t.UTC()
	}
	acc.State = parseState(compteValue(e.GetAttributeValues(a.State)), !acc.PasswordChangedAt.IsZero())
	if e.GetAttributeValue("pwdAccountLockedTime") != "" {
		acc.State = directory.StateLocked
	}
	if !acc.PasswordChangedAt.IsZero() {
		policy := e.GetAttributeValue("pwdPolicySubentry")
		if policy == "" {
			policy = d.cfg.DefaultPolicyDN
		}
		age, err := d.maxAge(ctx, policy)
		if err != nil {
			return acc, err
		}
		if age > 0 {
			acc.PasswordExpiresAt = acc.PasswordChangedAt.Add(age)
		}
	}
	return acc, nil
}

// Standing reads an account's subject and state, as FindByLogin reads
// them, with the four attributes they come from instead of the
// account's fifteen (and no policy read): a refresh asks it for every
// grant it renews.
func (d *Dir) Standing(ctx context.Context, login string) (directory.Standing, error) {
	if login == "" {
		return directory.Standing{}, directory.ErrNotFound
	}
	a := d.cfg.Attributes
	e, err := d.searchWith(ctx, d.read, a.Login, login, []string{a.Subject, a.State, "pwdChangedTime", "pwdAccountLockedTime"})
	if err != nil {
		return directory.Standing{}, err
	}
	if e == nil {
		return directory.Standing{}, directory.ErrNotFound
	}
	st := directory.Standing{Subject: e.GetAttributeValue(a.Subject),
		State: parseState(compteValue(e.GetAttributeValues(a.State)), e.GetAttributeValue("pwdChangedTime") != "")}
	if e.GetAttributeValue("pwdAccountLockedTime") != "" {
		st.State = directory.StateLocked
	}
	return st, nil
}

// policyEntry reads attrs of the ppolicy entry dn through p (nil: no such
// entry).
func (d *Dir) policyEntry(ctx context.Context, p *pool, dn string, attrs ...string) (*ldap.Entry, error) {
	req := ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", attrs, nil)
	var res *ldap.SearchResult
	err := p.do(ctx, func(c *ldap.Conn) (err error) { res, err = c.Search(req); return err })
	if err != nil {
		return nil, fmt.Errorf("ldap: read policy %s: %w", dn, err)
	}
	if len(res.Entries) != 1 {
		return nil, nil
	}
	return res.Entries[0], nil
}

// maxAge reads a policy's pwdMaxAge, cached for a minute: policies change
// rarely and every account read needs it.
func (d *Dir) maxAge(ctx context.Context, policyDN string) (time.Duration, error) {
	if policyDN == "" {
		return 0, nil
	}
	d.mu.Lock()
	c, ok := d.policies[policyDN]
	d.mu.Unlock()
	if ok && time.Since(c.fetched) < time.Minute {
		return c.age, nil
	}
	e, err := d.policyEntry(ctx, d.read, policyDN, "pwdMaxAge")
	if err != nil {
		return 0, err
	}
	var age time.Duration
	if e != nil {
		if v := e.GetAttributeValue("pwdMaxAge"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("ldap: policy %s pwdMaxAge %q: %w", policyDN, v, err)
			}
			age = time.Duration(n) * time.Second
		}
	}
	d.mu.Lock()
	d.policies[policyDN] = cachedAge{age: age, fetched: time.Now()}
	d.mu.Unlock()
	return age, nil
}
