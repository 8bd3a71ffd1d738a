package config

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strings"
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
	r.between(p+".dial_timeout", l.DialTimeout.D(), 100*time.Millisecond, time.Minute)
	r.between(p+".op_timeout", l.OpTimeout.D(), 100*time.Millisecond, 5*time.Minute)
	r.intBetween(p+".pool_size", l.PoolSize, 1, 100)
	if l.HistoryCheck != "" {
		r.oneOf(p+".history_check", l.HistoryCheck, "auto", "off")
	}
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
