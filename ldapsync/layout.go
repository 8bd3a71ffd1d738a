package ldapsync

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/students"
)

// The account entry written here must be the one ldapdir.Ensure writes:
// the test TestCreatedEntryReadsAsCreated reads a synced entry back
// through ldapdir to keep the two from drifting.

// SupAnn values of the account state and the eduPerson affiliation.
const (
	etatPrefix  = "{COMPTE}"
	etatCreated = etatPrefix + "I:SupannCree:"
	// etatLocked marks the account of a student who left: inactive,
	// expired (SupAnn 2018 sub-state), as the lock policy asks.
	etatLocked  = etatPrefix + "I:SupannExpire:"
	attrYear    = "supannEtuAnneeInscription"
	attrEndDate = "supannEtuDateFin"
)

// layout says where accounts live and which attributes hold what.
type layout struct {
	base    string
	login   string // login pattern, e.g. "{studentID}T"
	domain  string
	a       ldapdir.Attributes
	now     time.Time
	managed []string       // synced attributes, in a stable order
	index   map[string]int // position in readAttrs
}

func newLayout(cfg ldapdir.Config, loginPattern string, now time.Time) (*layout, error) {
	if cfg.BaseDN == "" {
		return nil, fmt.Errorf("ldapsync: base_dn is required")
	}
	if loginPattern == "" {
		loginPattern = "{studentID}T"
	}
	if !strings.Contains(loginPattern, "{studentID}") {
		return nil, fmt.Errorf("ldapsync: login pattern %q lacks {studentID}", loginPattern)
	}
	a := cfg.Attributes
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&a.Login, "uid")
	set(&a.AliasLogin, "supannAliasLogin")
	set(&a.StudentID, "supannEtuId")
	set(&a.INE, "supannCodeINE")
	set(&a.FirstName, "givenName")
	set(&a.LastName, "sn")
	set(&a.Mobile, "mobile")
	set(&a.Email, "supannMailPerso")
	set(&a.State, "supannRessourceEtatDate")
	l := &layout{base: cfg.BaseDN, login: loginPattern, domain: cfg.Domain, a: a, now: now.UTC()}
	l.managed = []string{a.StudentID, a.LastName, "cn", a.FirstName, a.INE, a.Mobile, a.Email, attrYear, attrEndDate}
	l.index = make(map[string]int)
	for i, name := range l.readAttrs() {
		if _, dup := l.index[name]; !dup {
			l.index[name] = i
		}
	}
	return l, nil
}

// loginOf applies the login pattern.
func (l *layout) loginOf(studentID string) string {
	return strings.ReplaceAll(l.login, "{studentID}", studentID)
}

func (l *layout) dn(login string) string {
	return fmt.Sprintf("%s=%s,%s", l.a.Login, ldap.EscapeDN(login), l.base)
}

// readAttrs lists what the snapshot reads; entry.vals follows its order.
func (l *layout) readAttrs() []string {
	return append([]string{l.a.Login, l.a.State}, l.managed...)
}

// get returns an entry's values of one of readAttrs.
func (l *layout) get(e entry, name string) []string {
	i, ok := l.index[name]
	if !ok {
		return nil
	}
	return unpack(e.packed, i)
}

// synced is what the source says the managed attributes should hold; an
// empty slice means "no value". sn and cn are required by inetOrgPerson,
// so they fall back to the login.
func (l *layout) synced(rec students.Record) map[string][]string {
	login := l.loginOf(rec.StudentID)
	last, cn := rec.LastName, strings.TrimSpace(rec.FirstName+" "+rec.LastName)
	if last == "" {
		last = login
	}
	if cn == "" {
		cn = login
	}
	m := map[string][]string{
		l.a.StudentID: {rec.StudentID}, l.a.LastName: {last}, "cn": {cn},
		l.a.FirstName: values(rec.FirstName), l.a.INE: values(rec.INE), l.a.Mobile: values(rec.Mobile),
		l.a.Email: nil, attrYear: nil, attrEndDate: nil,
	}
	// supannMailPerso is IA5 (ASCII only): an internationalised address
	// would make the whole write fail.
	if isASCII(rec.Email) {
		m[l.a.Email] = values(rec.Email)
	}
	if rec.Year > 0 {
		m[attrYear] = []string{strconv.Itoa(rec.Year)}
	}
	if !rec.EndDate.IsZero() {
		m[attrEndDate] = []string{generalized(rec.EndDate)}
	}
	return m
}

// newEntry is the full entry of a new account: state created, no password.
func (l *layout) newEntry(rec students.Record) (dn string, attrs map[string][]string) {
	login := l.loginOf(rec.StudentID)
	attrs = map[string][]string{
		"objectClass":                 {"top", "inetOrgPerson", "supannPerson", "eduPerson"},
		l.a.Login:                     {login},
		"eduPersonAffiliation":        {"student", "member"},
		"eduPersonPrimaryAffiliation": {"student"},
		l.a.State:                     {etatCreated + l.now.Format("20060102") + ":"},
	}
	if l.a.AliasLogin != l.a.Login {
		attrs[l.a.AliasLogin] = []string{login}
	}
	if l.domain != "" {
		attrs["eduPersonPrincipalName"] = []string{login + "@" + l.domain}
	}
	for name, vals := range l.synced(rec) {
		if len(vals) > 0 {
			attrs[name] = vals
		}
	}
	return l.dn(login), attrs
}

func generalized(t time.Time) string {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format("20060102150405Z")
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
