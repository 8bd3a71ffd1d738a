package config

import (
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func validateDirectory(d *Directory, r *report) {
	r.exactlyOne("directory", map[string]bool{"embedded": d.Embedded != nil, "ldap": d.LDAP != nil})
	if d.Embedded != nil {
		r.required("directory.embedded.path", d.Embedded.Path)
	}
	l := d.LDAP
	if l == nil {
		return
	}
	const p = "directory.ldap"
	r.ldapConn(p, &l.LDAPConn, l.InsecureSkipVerify)
	for i, u := range l.ReadURLs {
		r.ldapURL(fmt.Sprintf("%s.read_urls[%d]", p, i), u, &l.LDAPConn, l.InsecureSkipVerify)
	}
	r.between(p+".dial_timeout", l.DialTimeout, 100*time.Millisecond, time.Minute)
	r.between(p+".op_timeout", l.OpTimeout, 100*time.Millisecond, 5*time.Minute)
	r.intBetween(p+".pool_size", l.PoolSize, 1, 100)
	if l.MailDomain != "" && !domain.MatchString(l.MailDomain) {
		r.add(p+".mail_domain", "%q is not a domain name (e.g. univ-exemple.fr)", l.MailDomain)
	}
	for k, dn := range map[string]string{"policy_dn": l.PolicyDN, "default_policy_dn": l.DefaultPolicyDN} {
		if dn != "" {
			r.dn(p+"."+k, dn)
		}
	}
	r.attributes(p+".attributes", l.Attributes)
}

// attributes checks every non-empty string field of a struct of
// attribute names.
func (r *report) attributes(p string, v any) {
	rv := reflect.ValueOf(v)
	for i := 0; i < rv.NumField(); i++ {
		name := rv.Field(i).String()
		if name != "" && name != "-" && !attrName.MatchString(name) {
			r.add(p+"."+rv.Type().Field(i).Tag.Get("yaml"), "%q is not an LDAP attribute name", name)
		}
	}
}

var (
	domain   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$`)
	attrName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
)

func (r *report) ldapConn(p string, c *LDAPConn, insecure bool) {
	if r.required(p+".url", c.URL) {
		r.ldapURL(p+".url", c.URL, c, insecure)
	}
	if c.BindDN != "" {
		r.dn(p+".bind_dn", c.BindDN)
		if !c.BindPassword.IsSet() {
			r.add(p+".bind_password", "required with bind_dn (or bind_password_file, or %s)", c.BindPassword.EnvName())
		}
	}
	if r.required(p+".base_dn", c.BaseDN) {
		r.dn(p+".base_dn", c.BaseDN)
	}
}

// ldapURL refuses what would send the bind password in clear or accept
// any certificate, except against a server on this machine.
func (r *report) ldapURL(p, s string, c *LDAPConn, insecure bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "ldap" && u.Scheme != "ldaps") {
		r.add(p, "%q must be an ldaps:// or ldap:// URL with a host", s)
		return
	}
	local := loopback(u.Hostname())
	if u.Scheme == "ldap" && !c.StartTLS && !local {
		r.add(p, "%q would send the bind password in clear: use ldaps:// or start_tls: true", s)
	}
	if u.Scheme == "ldaps" && c.StartTLS {
		r.add(p, "%q is already TLS: start_tls is for ldap:// URLs", s)
	}
	if insecure && !local {
		r.add(parent(p)+".insecure_skip_verify", "refused for %s: only for a server on loopback (give ca_file instead)", u.Host)
	}
}

// ldapCause strips go-ldap's result-code wrapping from a local error.
func ldapCause(err error) error {
	var le *ldap.Error
	if errors.As(err, &le) && le.Err != nil {
		return errors.New(strings.TrimPrefix(le.Err.Error(), "ldap: "))
	}
	return err
}

func (r *report) dn(p, s string) {
	if _, err := ldap.ParseDN(s); err != nil || strings.TrimSpace(s) == "" {
		r.add(p, "%q is not a DN (e.g. ou=people,dc=univ,dc=fr)", s)
	}
}

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

func validateMail(m *Mail, r *report) {
	r.exactlyOne("mail", map[string]bool{"smtp": m.SMTP != nil, "outbox": m.Outbox})
	s := m.SMTP
	if s == nil {
		return
	}
	r.required("mail.smtp.host", s.Host)
	r.intBetween("mail.smtp.port", s.Port, 1, 65535)
	r.oneOf("mail.smtp.tls", s.TLS, "starttls", "opportunistic", "tls", "none")
	if r.required("mail.smtp.from", s.From) {
		if _, err := mail.ParseAddress(s.From); err != nil {
			r.add("mail.smtp.from", "%q is not an address (e.g. \"Université <ne-pas-repondre@univ.fr>\")", s.From)
		}
	}
	if s.Username != "" && !s.Password.IsSet() {
		r.add("mail.smtp.password", "required with username (or password_file, or %s)", s.Password.EnvName())
	}
	if (s.TLS == "none" || s.TLS == "opportunistic") && s.Username != "" && !loopback(s.Host) {
		r.add("mail.smtp.tls", "%s could send the password in clear to %s: use starttls or tls", s.TLS, s.Host)
	}
	r.between("mail.smtp.timeout", s.Timeout, time.Second, 5*time.Minute)
}

func validateSMS(s *SMS, r *report) {
	r.exactlyOne("sms", map[string]bool{"http": s.HTTP != nil, "outbox": s.Outbox})
	h := s.HTTP
	if h == nil {
		return
	}
	if r.required("sms.http.url", h.URL) {
		r.webURL("sms.http.url", h.URL)
		r.template("sms.http.url", h.URL, h)
	}
	r.oneOf("sms.http.method", h.Method, "POST", "GET", "PUT")
	for _, k := range sortedKeys(h.Headers) {
		r.template("sms.http.headers."+k, h.Headers[k], h)
	}
	r.template("sms.http.body", h.Body, h)
	if h.Body != "" && h.ContentType == "" {
		r.add("sms.http.content_type", "required with a body (e.g. application/json)")
	}
	if !strings.Contains(h.Body, ".Body") && !strings.Contains(h.URL, ".Body") {
		r.add("sms.http.body", "neither the body nor the url sends the text ({{.Body}})")
	}
	validateSMSSuccess(&h.Success, r)
	r.between("sms.http.timeout", h.Timeout, time.Second, 2*time.Minute)
}

func validateSMSSuccess(c *SMSSuccess, r *report) {
	if c.StatusMin != 0 || c.StatusMax != 0 {
		r.intBetween("sms.http.success.status_min", c.StatusMin, 100, 599)
		r.intBetween("sms.http.success.status_max", c.StatusMax, c.StatusMin, 599)
	}
	if (c.JSONField == "") != (len(c.JSONValues) == 0) {
		r.add("sms.http.success.json_field", "json_field and json_values go together")
	}
}

// template checks that a URL, header or body template parses and runs on
// sample values, with the functions flows/notify gives it and the secrets
// that sms.http.secrets defines.
func (r *report) template(p, s string, h *SMSHTTP) {
	missing := ""
	funcs := template.FuncMap{
		"json":   func(s string) string { return s },
		"digits": func(s string) string { return strings.TrimPrefix(s, "+") },
		"secret": func(name string) (string, error) {
			if !h.Secrets[name].IsSet() {
				missing = name
				return "", errors.New("undefined secret")
			}
			return "", nil
		},
	}
	t, err := template.New("t").Funcs(funcs).Option("missingkey=error").Parse(s)
	if err != nil {
		r.add(p, "not a valid template: %s", templateErr.ReplaceAllString(err.Error(), ""))
		return
	}
	sample := struct{ To, Body string }{"+33612345678", "Votre code : 123456"}
	switch err := t.Execute(io.Discard, sample); {
	case err == nil:
	case missing != "":
		r.add(p, "uses {{secret %q}}, which is not set: give sms.http.secrets.%s_file, or %s", missing, missing, h.Secrets[missing].EnvName())
	default:
		r.add(p, "%q uses an unknown field or function (fields: .To, .Body; functions: json, urlquery, digits, secret)", s)
	}
}

var templateErr = regexp.MustCompile(`^template: t:\d+(:\d+)?: `)
