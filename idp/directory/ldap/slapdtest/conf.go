package slapdtest

import "text/template"

// confTemplate is the slapd.conf of a throwaway server. The ACL is the one
// production needs: the service account gets write (never manage) on the
// people subtree, so ppolicy checks its password changes like a user's and
// history cannot be bypassed; users may only bind ("auth"). Tests of the
// manage misconfiguration set ServiceAccess to "manage".
var confTemplate = template.Must(template.New("slapd.conf").Parse(`
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include {{.Dir}}/eduperson.schema
include {{.Dir}}/supann-2019.schema
include {{.Dir}}/schac-min.schema
include {{.Dir}}/seuil.schema

pidfile  {{.Dir}}/slapd.pid
argsfile {{.Dir}}/slapd.args

modulepath /usr/lib/ldap
moduleload back_mdb.so
moduleload ppolicy.so
moduleload argon2.so

password-hash {ARGON2}
{{if .CertFile}}
TLSCACertificateFile  {{.CAFile}}
TLSCertificateFile    {{.CertFile}}
TLSCertificateKeyFile {{.KeyFile}}
{{end}}
sizelimit unlimited

database mdb
suffix   "{{.Suffix}}"
rootdn   "{{.AdminDN}}"
rootpw   {{.AdminPassword}}
directory {{.Dir}}/db
# A throwaway server: no fsync per write (the data dies with the test;
# a killed slapd loses nothing, only an OS crash would), and room for
# ldapsync's 100,000-entry benchmark.
dbnosync
maxsize  2147483648
index objectClass eq
index uid eq
index supannEtuId eq
index entryUUID eq

overlay ppolicy
ppolicy_default "{{.PolicyDN}}"
ppolicy_hash_cleartext
ppolicy_use_lockout

access to attrs=userPassword
	by dn.exact="{{.ServiceDN}}" {{.ServiceAccess}}
	by anonymous auth
	by * none
# Sealed credentials: the service account only, not even their holder.
access to attrs=seuilCredential
	by dn.exact="{{.ServiceDN}}" {{.ServiceAccess}}
	by * none
access to dn.subtree="{{.PeopleDN}}"
	by dn.exact="{{.ServiceDN}}" {{.ServiceAccess}}
	by self read
	by * none
access to dn.subtree="ou=groups,{{.Suffix}}"
	by dn.exact="{{.ServiceDN}}" read
	by * none
access to dn.subtree="ou=policies,{{.Suffix}}"
	by dn.exact="{{.ServiceDN}}" read
	by * none
access to *
	by * none
`))
