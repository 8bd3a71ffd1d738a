// Package schema ships Seuil's own LDAP schema (seuil.schema, and
// seuil.ldif for cn=config servers): the auxiliary class that holds
// sealed credentials on an account. Tests load it into slapd from here,
// so what is tested is what is shipped.
package schema

import _ "embed"

// Seuil is seuil.schema, in slapd.conf syntax.
//
//go:embed seuil.schema
var Seuil []byte
