package ldapdir

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/students"
)

// SupAnn attributes of the enrolment that ldapsync keeps in sync and the
// account entry carries, whatever Attributes says.
const (
	AttrYear    = "supannEtuAnneeInscription"
	AttrEndDate = "supannEtuDateFin"
)

// Layout is how a student account is written: where it lives, its object
// classes and first state, and which attributes hold what. Ensure and
// ldapsync both build entries with it, so the accounts they create and
// the values they compare cannot drift apart.
type Layout struct {
	BaseDN string
	// Domain makes eduPersonPrincipalName: login@Domain. Empty: not set.
	Domain string
	// PolicyDN, if set, is written as pwdPolicySubentry on new accounts.
	PolicyDN string
	// Attributes has every field set (see Config.Layout).
	Attributes Attributes
}

// Layout returns the account layout of c, attribute defaults filled in.
func (c Config) Layout() Layout {
	a := c.Attributes
	a.defaults()
	return Layout{BaseDN: c.BaseDN, Domain: c.Domain, PolicyDN: c.PolicyDN, Attributes: a}
}

// DN is the DN of an account: the login escaped as an RDN value.
func (l Layout) DN(login string) string {
	return fmt.Sprintf("%s=%s,%s", l.Attributes.Login, ldap.EscapeDN(login), l.BaseDN)
}

// NewEntry builds a new account entry: inetOrgPerson + supannPerson +
// eduPerson, affiliation student, state {COMPTE}I:SupannCree since now,
// no password. Attributes come in name order, so that a dry run's LDIF
// is stable.
func (l Layout) NewEntry(rec students.Record, login string, now time.Time) *ldap.AddRequest {
	a := l.Attributes
	attrs := map[string][]string{
		"objectClass":                 {"top", "inetOrgPerson", "supannPerson", "eduPerson"},
		a.Login:                       {login},
		"eduPersonAffiliation":        {"student", "member"},
		"eduPersonPrimaryAffiliation": {"student"},
		a.State:                       {EtatValue(EtatCreated, now)},
	}
	if a.AliasLogin != a.Login {
		attrs[a.AliasLogin] = []string{login}
	}
	if l.Domain != "" {
		attrs["eduPersonPrincipalName"] = []string{login + "@" + l.Domain}
	}
	if l.PolicyDN != "" {
		attrs["pwdPolicySubentry"] = []string{l.PolicyDN}
	}
	for name, vals := range l.Synced(rec, login) {
		if len(vals) > 0 {
			attrs[name] = vals
		}
	}
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	sort.Strings(names)
	req := ldap.NewAddRequest(l.DN(login), nil)
	for _, name := range names {
		req.Attribute(name, attrs[name])
	}
	return req
}

// Managed lists the attributes Synced sets, in a stable order.
func (l Layout) Managed() []string {
	a := l.Attributes
	return []string{a.StudentID, a.LastName, "cn", a.FirstName, a.INE, a.Mobile, a.Email, AttrYear, AttrEndDate}
}

// Synced maps the attributes that ldapsync keeps up to date from the
// student source (Managed) to their values; an empty slice means "no
// value". sn and cn are required by inetOrgPerson, so they fall back to
// the login. supannMailPerso is IA5 (ASCII only): an internationalised
// address would make the whole write fail, so it is left out (see
// EmailStorable).
func (l Layout) Synced(rec students.Record, login string) map[string][]string {
	a := l.Attributes
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
		a.Email: nil, AttrYear: nil, AttrEndDate: nil,
	}
	if EmailStorable(rec.Email) {
		m[a.Email] = values(rec.Email)
	}
	if rec.Year > 0 {
		m[AttrYear] = []string{strconv.Itoa(rec.Year)}
	}
	if !rec.EndDate.IsZero() {
		m[AttrEndDate] = []string{GeneralizedDate(rec.EndDate)}
	}
	return m
}

// GeneralizedDate is t's day (in t's location) at midnight UTC, as an
// LDAP GeneralizedTime: the form of supannEtuDateFin.
func GeneralizedDate(t time.Time) string {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format("20060102150405Z")
}

// EmailStorable says whether an e-mail address fits supannMailPerso
// (IA5String: ASCII only).
func EmailStorable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func values(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
