package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/idp/provider/keys"
)

// Every key of the configuration file reaches a component: the test
// walks the whole tree the decoder accepts (config.Keys: every section,
// list item and kind of student source), changes one key at a time, and
// requires the change to show in settingsOf, the one place the
// components' settings come from. A key that is validated and then
// dropped (oidc.clients[].grant_types once was) fails here by name.
func TestEveryKeyReachesAComponent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "es256.pem")
	if err := keys.Generate(keyFile, "ES256"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ca.pem", "students.csv"} {
		writeFile(t, filepath.Join(dir, f), "x\n")
	}
	for _, d := range []string{"flows", "themes"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	variants := map[string]string{
		"ldap directory, csv students": ldapDirectory + "students:\n  csv: {path: students.csv}\n",
		"sql students":                 ldapDirectory + "students:\n  sql: {driver: pgx, dsn: postgres://apogee@db/apogee, lookup_query: 'SELECT * FROM e WHERE cod_etu = $1', bulk_query: SELECT 1}\n",
		"ldap students":                ldapDirectory + "students:\n  ldap: {url: 'ldaps://ldap.univ.fr', bind_dn: cn=r, bind_password: pw, base_dn: 'ou=people,dc=univ', ca_file: ca.pem}\n",
		"pegase students": ldapDirectory + "students:\n  pegase: {idt_url: 'https://idt.pc-scol.fr/api', ins_url: 'https://ins.pc-scol.fr/api', " +
			"token_url: 'https://authn.pc-scol.fr/cas/v1/tickets', structure: ETAB00, period: PER-2026, username: api, password: pw}\n",
		"embedded directory": "directory:\n  embedded: {path: accounts.json}\nstudents:\n  csv: {path: students.csv}\n",
	}
	seen := map[string]bool{}
	for name, part := range variants {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
		writeFile(t, path, fmt.Sprintf(walkBase, keyFile)+part)
		load := func() *config.Config {
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return cfg
		}
		base := settingsOf(load())
		for _, k := range load().Keys() {
			seen[k.Path] = true
			if _, ok := notInSettings[k.Path]; ok {
				continue
			}
			if k.Path == "students.cache_max_age" && strings.Contains(part, "csv:") {
				continue // a CSV source is in memory already: check-config refuses the key with it
			}
			cfg := load()
			field := keyIn(t, cfg, k.Path)
			change(t, k.Path, field)
			if reflect.DeepEqual(settingsOf(cfg), base) {
				t.Errorf("%s: changing %s changes no component's settings", name, k.Path)
			}
		}
	}
	// The walk is the decoder's tree, not a list kept by hand: a few of
	// its keys, one per kind of place a key can sit.
	for _, want := range []string{"server.trusted_proxies", "redis.password_file", "redis.tls.server_name",
		"directory.ldap.attributes.mobile", "directory.ldap.bind_password", "directory.embedded.path",
		"students.csv.check_every", "students.sql.dsn_file", "students.pegase.period", "students.ldap.filter",
		"mail.smtp.timeout", "sms.http.secrets", "sms.http.success.json_values", "sms.daily_budget",
		"oidc.clients[0].grant_types", "oidc.keys[0].use", "oidc.session.announce_for", "oidc.lifetimes.id_token",
		"limits.login_per_ip.burst", "staff.helpdesk.groups", "staff.totp_issuer", "audit.retention_days", "passkeys.enabled"} {
		if !seen[want] {
			t.Errorf("the walk never met %s", want)
		}
	}
	if len(seen) < 200 {
		t.Errorf("the walk met %d keys: too few for the whole file", len(seen))
	}
}

// notInSettings are the keys that are consumed while the file is loaded,
// before any component: each says where it goes.
var notInSettings = map[string]string{
	"oidc.clients[0].jwks_file": "read at load into oidc.clients[].jwks, which is walked",
	"oidc.keys[0].alg":          "checked at load against the key file, which says its own algorithm to the provider",
}

// walkBase is a configuration with every optional section present, so
// that the walk meets their keys (keys are changed in memory, after
// loading: the values need only load).
const walkBase = `
server: {addr: ":8080", public_url: "https://compte.univ.fr/seuil", trusted_proxies: [10.0.0.0/8], metrics_addr: ":9090", shutdown_timeout: 20s}
log: {level: info, format: json}
redis:
  addrs: [s1:26379]
  master_name: seuil
  username: seuil
  password: redis-pw
  sentinel_password: sentinel-pw
  tls: {enabled: true, ca_file: ca.pem, server_name: redis.univ.fr}
mail:
  smtp: {host: smtp.univ.fr, username: seuil, password: smtp-pw, from: "Université <ne-pas-repondre@univ.fr>", ca_file: ca.pem}
sms:
  http:
    url: https://sms.example/send
    headers: {api-key: '{{secret "api_key"}}'}
    body: '{"to":{{.To | json}},"text":{{.Body | json}}}'
    content_type: application/json
    secrets: {api_key: sms-key}
    success: {contains: ok, json_field: status, json_values: [sent]}
    message_id: messageId
    reports: {token: report-token-0123456789, header: X-Token, id_field: id, status_field: status, delivered: [DELIVERED], undelivered: [FAILED]}
  countries: [FR]
  daily_budget: 1000
  price_per_sms: 0.05
flows: {dir: flows, theme: default}
themes: {dir: themes}
oidc:
  secret: "0123456789abcdef0123456789abcdef-test"
  keys: [{file: %q}]
  clients:
    - id: pjweb
      name: PJ Web
      id_token_signed_response_alg: ES256
      secret: client-secret
      redirect_uris: [https://pjweb.univ.fr/cb]
      post_logout_redirect_uris: [https://pjweb.univ.fr/]
      initiate_login_uri: https://pjweb.univ.fr/login
      backchannel_logout_uri: https://pjweb.univ.fr/bcl
      claims: {student_id: student_id}
      allowed_origins: [https://pjweb.univ.fr]
sync: {left_policy: mark}
staff:
  credentials_key: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
  helpdesk: {logins: [agent], groups: ["cn=assistance,ou=groups,dc=univ"], entitlements: ["urn:x:helpdesk"]}
  admin: {logins: [admin]}
audit: {store: postgres, dsn: "postgres://audit@db/seuil"}
passkeys: {enabled: true}
`

const ldapDirectory = `directory:
  ldap:
    url: ldaps://ldap.univ.fr
    read_urls: [ldaps://replica.univ.fr]
    bind_dn: cn=seuil,dc=univ
    bind_password: ldap-pw
    base_dn: ou=people,dc=univ
    ca_file: ca.pem
    mail_domain: univ.fr
`

// keyIn finds the field a key path sets in cfg.
func keyIn(t *testing.T, cfg *config.Config, path string) reflect.Value {
	t.Helper()
	for _, k := range cfg.Keys() {
		if k.Path == path {
			return k.Field
		}
	}
	t.Fatalf("%s: not a key of the reloaded configuration", path)
	return reflect.Value{}
}

// alternatives are values to change a key to where appending to the
// old one would mean the same thing to the component.
var alternatives = map[string]string{
	"oidc.keys[0].use":       "retiring",
	"students.csv.separator": ",", // the first character is the separator
}

// change sets a field to another value of its type.
func change(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	if alt, ok := alternatives[path]; ok {
		v.SetString(alt)
		return
	}
	switch {
	case v.Type() == reflect.TypeOf(config.Secret{}):
		v.Set(reflect.ValueOf(config.NewSecret(v.Interface().(config.Secret).Value() + "-changed")))
	case v.Type() == reflect.TypeOf(config.Duration(0)) || v.Type() == reflect.TypeOf(time.Duration(0)):
		v.SetInt(v.Int() + int64(time.Second))
	case v.Kind() == reflect.String:
		v.SetString(v.String() + "-changed")
	case v.Kind() == reflect.Bool:
		v.SetBool(!v.Bool())
	case v.Kind() == reflect.Int:
		v.SetInt(v.Int() + 1)
	case v.Kind() == reflect.Float64:
		v.SetFloat(v.Float() + 0.5)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		v.Set(reflect.Append(v, reflect.ValueOf("10.9.9.9/32").Convert(v.Type().Elem())))
	case v.Kind() == reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		if elem.Type() == reflect.TypeOf(config.Secret{}) {
			elem.Set(reflect.ValueOf(config.NewSecret("added")))
		} else {
			elem.SetString("added")
		}
		v.SetMapIndex(reflect.ValueOf("added"), elem)
	default:
		t.Fatalf("%s: no way to change a %s", path, v.Type())
	}
}
