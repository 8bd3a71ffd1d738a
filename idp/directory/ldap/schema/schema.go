// Package schema ships the LDAP schemas Seuil's accounts need: Seuil's
// own (seuil.schema, and seuil.ldif for cn=config servers), the
// auxiliary class that holds sealed credentials on an account, and the
// SupAnn 2019, eduPerson and SCHAC (the attributes used) schemas. Tests
// load them into slapd from here and `seuil init` writes them out, so
// what is tested is what is shipped.
package schema

import "embed"

// Seuil is seuil.schema, in slapd.conf syntax.
//
//go:embed seuil.schema
var Seuil []byte

// Files holds every schema of the package, by name: seuil.schema,
// seuil.ldif, eduperson.schema, supann-2019.schema, schac-min.schema.
//
//go:embed *.schema *.ldif
var Files embed.FS
