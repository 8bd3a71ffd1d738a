package config

import (
	"regexp"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func validateStudents(s *Students, r *report) {
	r.exactlyOne("students", map[string]bool{"csv": s.CSV != nil, "sql": s.SQL != nil, "ldap": s.LDAP != nil})
	if c := s.CSV; c != nil {
		r.required("students.csv.path", c.Path)
		r.oneOf("students.csv.encoding", c.Encoding, "auto", "utf-8", "latin-1")
		if len([]rune(c.Separator)) != 1 {
			r.add("students.csv.separator", "%q must be one character", c.Separator)
		}
		r.region("students.csv.region", c.Region)
		r.between("students.csv.check_every", c.CheckEvery, 100*time.Millisecond, time.Hour)
	}
	if q := s.SQL; q != nil {
		validateSQL(q, r)
	}
	if l := s.LDAP; l != nil {
		r.ldapConn("students.ldap", &l.LDAPConn, false)
		if _, err := ldap.CompileFilter(l.Filter); err != nil {
			r.add("students.ldap.filter", "%q is not an LDAP filter: %v", l.Filter, ldapCause(err))
		}
		r.attributes("students.ldap.attributes", l.Attributes)
		r.region("students.ldap.region", l.Region)
		r.between("students.ldap.timeout", l.Timeout, 100*time.Millisecond, time.Minute)
		r.intBetween("students.ldap.page_size", l.PageSize, 1, 10000)
	}
}

func validateSQL(q *SQLStudents, r *report) {
	r.oneOf("students.sql.driver", q.Driver, "oracle", "pgx")
	if !q.DSN.IsSet() {
		r.add("students.sql.dsn", "required (dsn_file, or %s)", q.DSN.EnvName())
	}
	if r.required("students.sql.lookup_query", q.LookupQuery) {
		if p, ok := sqlParam[q.Driver]; ok && !p.re.MatchString(q.LookupQuery) {
			r.add("students.sql.lookup_query", "must take the student number as a parameter (%s)", p.example)
		}
	}
	r.region("students.sql.region", q.Region)
	r.between("students.sql.timeout", q.Timeout, 100*time.Millisecond, time.Minute)
}

// sqlParam is how each driver writes a bind parameter.
var sqlParam = map[string]struct {
	re      *regexp.Regexp
	example string
}{
	"oracle": {regexp.MustCompile(`:\w+`), ":1"},
	"pgx":    {regexp.MustCompile(`\$\d+`), "$1"},
}

func (r *report) region(p, s string) {
	if len(s) != 2 || strings.ToUpper(s) != s {
		r.add(p, "%q is not a two-letter region code (e.g. FR)", s)
	}
}
