package config

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/seuil-idp/seuil/idp/students"
)

// The student source kinds read from APOGEE or a copy of it: an
// extraction file, a database view, a directory. Each is one type with
// its keys, defaults, checks, summary and opening; studentKinds lists
// them.

// CSVStudents is an extraction file rewritten by a scheduled job.
type CSVStudents struct {
	Path       string           `yaml:"path" seuil:"path"`
	Columns    students.Columns `yaml:"columns"`
	Encoding   string           `yaml:"encoding"`    // auto|utf-8|latin-1; default auto
	Separator  string           `yaml:"separator"`   // one character; default ";"
	Region     string           `yaml:"region"`      // for national phone numbers; default FR
	CheckEvery Duration         `yaml:"check_every"` // default 2s
}

func (c *CSVStudents) setDefaults() {
	c.Encoding, c.Separator, c.Region = "auto", ";", "FR"
	c.CheckEvery = Duration(2 * time.Second)
}

func (c *CSVStudents) check(p string, r *report) {
	r.required(p+".path", c.Path)
	r.oneOf(p+".encoding", c.Encoding, "auto", "utf-8", "latin-1")
	if len([]rune(c.Separator)) != 1 {
		r.add(p+".separator", "%q must be one character", c.Separator)
	}
	r.region(p+".region", c.Region)
	r.between(p+".check_every", c.CheckEvery.D(), 100*time.Millisecond, time.Hour)
}

func (c *CSVStudents) describe() string {
	return fmt.Sprintf("%s (encoding %s)", c.Path, c.Encoding)
}

func (c *CSVStudents) format() students.CSVFormat {
	return students.CSVFormat{Columns: c.Columns, Comma: []rune(c.Separator)[0], Region: c.Region, Encoding: c.Encoding}
}

// Settings is the source's own configuration, as open passes it.
func (c *CSVStudents) Settings() any {
	return students.CSVConfig{Path: c.Path, CheckEvery: c.CheckEvery.D(), Format: c.format()}
}

func (c *CSVStudents) open(ctx context.Context, log *slog.Logger) (StudentSource, func() error, error) {
	sc := c.Settings().(students.CSVConfig)
	sc.Logger = log
	s, err := students.NewCSV(ctx, sc)
	if err != nil {
		return nil, nil, fmt.Errorf("students.csv: %w", err)
	}
	return s, func() error { return nil }, nil
}

// openBulk reads the file once, as it is, without the lookup map.
func (c *CSVStudents) openBulk() students.Bulk {
	return students.CSVFile{Path: c.Path, Format: c.format()}
}

func (c *CSVStudents) inMemory() {}

// SQLStudents reads APOGEE (Oracle) or a PostgreSQL view.
type SQLStudents struct {
	Driver string `yaml:"driver"` // oracle|pgx
	DSN    Secret `yaml:"dsn"`
	// LookupQuery returns the row of one student; its one parameter is
	// the student number (:1 for oracle, $1 for pgx).
	LookupQuery string `yaml:"lookup_query"`
	// BulkQuery returns every current student, for seuil sync.
	BulkQuery string           `yaml:"bulk_query"`
	Columns   students.Columns `yaml:"columns"`
	Region    string           `yaml:"region"`  // default FR
	Timeout   Duration         `yaml:"timeout"` // per lookup; default 5s
}

func (s *SQLStudents) setDefaults() {
	s.Region, s.Timeout = "FR", Duration(5*time.Second)
}

func (q *SQLStudents) check(p string, r *report) {
	r.oneOf(p+".driver", q.Driver, "oracle", "pgx")
	if !q.DSN.IsSet() {
		r.add(p+".dsn", "required (dsn_file, or %s)", q.DSN.EnvName())
	}
	if r.required(p+".lookup_query", q.LookupQuery) {
		if param, ok := sqlParam[q.Driver]; ok && !param.re.MatchString(q.LookupQuery) {
			r.add(p+".lookup_query", "must take the student number as a parameter (%s)", param.example)
		}
	}
	r.region(p+".region", q.Region)
	r.between(p+".timeout", q.Timeout.D(), 100*time.Millisecond, time.Minute)
}

// sqlParam is how each driver writes a bind parameter.
var sqlParam = map[string]struct {
	re      *regexp.Regexp
	example string
}{
	"oracle": {regexp.MustCompile(`:\w+`), ":1"},
	"pgx":    {regexp.MustCompile(`\$\d+`), "$1"},
}

func (q *SQLStudents) describe() string {
	return fmt.Sprintf("%s, dsn %s, bulk query %t", q.Driver, secretState(q.DSN), q.BulkQuery != "")
}

// Settings is the source's own configuration, as open passes it.
func (q *SQLStudents) Settings() any {
	return students.SQLConfig{
		Driver: q.Driver, DSN: q.DSN.Value(), LookupQuery: q.LookupQuery, BulkQuery: q.BulkQuery,
		Columns: q.Columns, Region: q.Region, Timeout: q.Timeout.D(),
	}
}

func (q *SQLStudents) open(ctx context.Context, _ *slog.Logger) (StudentSource, func() error, error) {
	s, err := students.OpenSQL(ctx, q.Settings().(students.SQLConfig))
	if err != nil {
		return nil, nil, fmt.Errorf("students.sql: %w", err)
	}
	return s, s.Close, nil
}

// LDAPStudents reads students pre-provisioned in an LDAP directory
// (idp/students.LDAPConfig).
type LDAPStudents struct {
	LDAPConn `yaml:",inline"`
	// Filter restricts the entries taken as students; default
	// (eduPersonAffiliation=student).
	Filter string `yaml:"filter"`
	// Attributes names the attribute of each record field; empty fields
	// keep the SupAnn defaults.
	Attributes students.Columns `yaml:"attributes"`
	Region     string           `yaml:"region"`    // default FR
	Timeout    Duration         `yaml:"timeout"`   // per operation; default 5s
	PageSize   int              `yaml:"page_size"` // bulk paged search; default 1000
}

func (l *LDAPStudents) setDefaults() {
	l.Filter, l.Region = "(eduPersonAffiliation=student)", "FR"
	l.Timeout, l.PageSize = Duration(5*time.Second), 1000
}

func (l *LDAPStudents) check(p string, r *report) {
	r.ldapConn(p, &l.LDAPConn, false)
	if _, err := ldap.CompileFilter(l.Filter); err != nil {
		r.add(p+".filter", "%q is not an LDAP filter: %v", l.Filter, ldapCause(err))
	}
	r.attributes(p+".attributes", l.Attributes)
	r.region(p+".region", l.Region)
	r.between(p+".timeout", l.Timeout.D(), 100*time.Millisecond, time.Minute)
	r.intBetween(p+".page_size", l.PageSize, 1, 10000)
}

func (l *LDAPStudents) describe() string {
	return fmt.Sprintf("%s, base %s, password %s", l.URL, l.BaseDN, secretState(l.BindPassword))
}

// Settings is the source's own configuration, as open passes it.
func (l *LDAPStudents) Settings() any {
	return students.LDAPConfig{
		URL: l.URL, StartTLS: l.StartTLS, CAFile: l.CAFile, BindDN: l.BindDN, BindPassword: l.BindPassword.Value(),
		BaseDN: l.BaseDN, Filter: l.Filter, Attributes: l.Attributes, Region: l.Region,
		Timeout: l.Timeout.D(), PageSize: l.PageSize,
	}
}

func (l *LDAPStudents) open(ctx context.Context, _ *slog.Logger) (StudentSource, func() error, error) {
	s, err := students.NewLDAP(ctx, l.Settings().(students.LDAPConfig))
	if err != nil {
		return nil, nil, fmt.Errorf("students.ldap: %w", err)
	}
	return s, func() error { s.Close(); return nil }, nil
}

func (r *report) region(p, s string) {
	if len(s) != 2 || strings.ToUpper(s) != s {
		r.add(p, "%q is not a two-letter region code (e.g. FR)", s)
	}
}
