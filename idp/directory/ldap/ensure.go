package ldapdir

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/students"
)

// Ensure returns the account of rec's student, creating it in StateCreated
// (no password) if missing. A concurrent create of the same entry is
// tolerated: whoever loses reads the winner's entry.
func (d *Dir) Ensure(ctx context.Context, rec students.Record, login string) (directory.Account, error) {
	if rec.StudentID == "" || login == "" {
		return directory.Account{}, errEmpty
	}
	// Reads go to the provider: a replica may not have the entry yet.
	acc, err := d.find(ctx, d.write, d.cfg.Attributes.StudentID, rec.StudentID)
	if !errors.Is(err, directory.ErrNotFound) {
		return acc, err
	}
	err = d.write.do(ctx, func(c *ldap.Conn) error { return c.Add(d.addRequest(rec, login)) })
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
		return directory.Account{}, fmt.Errorf("ldap: add %s: %w", login, err)
	}
	acc, err = d.find(ctx, d.write, d.cfg.Attributes.Login, login)
	if err == nil && acc.StudentID != rec.StudentID {
		return directory.Account{}, fmt.Errorf("ldap: login %s belongs to another student", login)
	}
	return acc, err
}

// addRequest builds a new account entry: inetOrgPerson + supannPerson +
// eduPerson, affiliation student, state {COMPTE}I:SupannCree.
func (d *Dir) addRequest(rec students.Record, login string) *ldap.AddRequest {
	a := d.cfg.Attributes
	req := ldap.NewAddRequest(d.dn(login), nil)
	req.Attribute("objectClass", []string{"top", "inetOrgPerson", "supannPerson", "eduPerson"})
	req.Attribute(a.Login, []string{login})
	if a.AliasLogin != a.Login {
		req.Attribute(a.AliasLogin, []string{login})
	}
	req.Attribute("eduPersonAffiliation", []string{"student", "member"})
	req.Attribute("eduPersonPrimaryAffiliation", []string{"student"})
	if d.cfg.Domain != "" {
		req.Attribute("eduPersonPrincipalName", []string{login + "@" + d.cfg.Domain})
	}
	req.Attribute(a.State, []string{etatValue(etatCreated, time.Now())})
	if d.cfg.PolicyDN != "" {
		req.Attribute("pwdPolicySubentry", []string{d.cfg.PolicyDN})
	}
	for name, vals := range d.synced(rec, login) {
		if len(vals) > 0 {
			req.Attribute(name, vals)
		}
	}
	return req
}

// synced maps the fields that ldapsync keeps up to date from the student
// source; an empty slice means "no value". sn and cn are required by
// inetOrgPerson, so they fall back to the login.
func (d *Dir) synced(rec students.Record, login string) map[string][]string {
	a := d.cfg.Attributes
	last, cn := rec.LastName, strings.TrimSpace(rec.FirstName+" "+rec.LastName)
	if last == "" {
		last = login
	}
	if cn == "" {
		cn = login
	}
	m := map[string][]string{
		a.StudentID: {rec.StudentID}, a.LastName: {last}, "cn": {cn},
		a.FirstName: values(rec.FirstName), a.INE: values(rec.INE), a.Mobile: values(rec.Mobile),
		a.Email: nil, "supannEtuAnneeInscription": nil, "supannEtuDateFin": nil,
	}
	// supannMailPerso is IA5 (ASCII only): an internationalised address
	// would make the whole write fail, so it is left out with a warning.
	if isASCII(rec.Email) {
		m[a.Email] = values(rec.Email)
	} else {
		d.cfg.Logger.Warn("ldap: personal e-mail is not ASCII, not stored", "student", rec.StudentID)
	}
	if rec.Year > 0 {
		m["supannEtuAnneeInscription"] = []string{strconv.Itoa(rec.Year)}
	}
	if !rec.EndDate.IsZero() {
		m["supannEtuDateFin"] = []string{rec.EndDate.UTC().Format("20060102150405Z")}
	}
	return m
}

func values(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
