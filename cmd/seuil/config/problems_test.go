package config

import (
	"slices"
	"strings"
	"testing"
)

// TestProblems checks the exact message and line of each typical mistake;
// the case's text starts at line 1 (doc completes it with valid sections).
func TestProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"bad duration", "server:\n  public_url: https://idp.example.org\n  shutdown_timeout: 15 minuts\n",
			[]string{`seuil.yaml:3: server.shutdown_timeout: "15 minuts" is not a duration (use e.g. "90s", "15m", "1h30m", "7d")`}},
		{"missing section", "log: {level: debug}\nredis: {}\n",
			[]string{"seuil.yaml:2: redis.addrs: required"}},
		{"http redirect uri", "oidc:\n  keys: [{file: k-rsa.pem}]\n  clients:\n    - id: pjweb\n      secret: x\n      redirect_uris: [http://pjweb.example.org/cb]\n",
			[]string{`seuil.yaml:6: oidc.clients[0].redirect_uris[0]: "http://pjweb.example.org/cb" must be an absolute https URL (http only for loopback)`}},
		{"loopback http is fine", "oidc:\n  keys: [{file: k-rsa.pem}]\n  clients:\n    - id: dev\n      public: true\n      redirect_uris: [http://127.0.0.1:8000/cb, http://localhost/cb]\n", nil},
		{"unknown key", "redis:\n  addrs: [r:6379]\n  pasword: x\n",
			[]string{`seuil.yaml:3: redis.pasword: unknown key (did you mean "password"?)`}},
		{"unknown key, no close match", "log:\n  colour: true\n",
			[]string{`seuil.yaml:2: log.colour: unknown key (expected one of: format, level)`}},
		{"unknown section", "sever:\n  addr: :80\n",
			[]string{`seuil.yaml:1: sever: unknown key (did you mean "server"?)`}},
		{"secret_file typo", "redis:\n  addrs: [r:6379]\n  password_fil: /x\n",
			[]string{`seuil.yaml:3: redis.password_fil: unknown key (did you mean "password_file"?)`}},
		{"wrong shape", "redis: r:6379\n",
			[]string{`seuil.yaml:1: redis: must be a mapping (key: value lines), not "r:6379"`}},
		{"not a number", "redis:\n  addrs: [r:6379]\n  db: first\n",
			[]string{`seuil.yaml:3: redis.db: "first" is not a whole number`}},
		{"not a bool", "redis:\n  addrs: [r:6379]\n  tls: {enabled: yes}\n",
			[]string{`seuil.yaml:3: redis.tls.enabled: "yes" is not true or false`}},
		{"scalar as a list of one", "redis:\n  addrs: r:6379\n", nil},
		{"both directories", "directory:\n  embedded: {path: a}\n  ldap: {url: 'ldaps://l', base_dn: 'dc=x'}\n",
			[]string{"seuil.yaml:1: directory: set only one of embedded, ldap (found embedded and ldap)"}},
		{"clear ldap", "directory:\n  ldap:\n    url: ldap://ldap.example.org\n    base_dn: dc=example,dc=org\n    insecure_skip_verify: true\n",
			[]string{
				`seuil.yaml:3: directory.ldap.url: "ldap://ldap.example.org" would send the bind password in clear: use ldaps:// or start_tls: true`,
				"seuil.yaml:5: directory.ldap.insecure_skip_verify: refused for ldap.example.org: only for a server on loopback (give ca_file instead)",
			}},
		{"ldap on loopback", "directory:\n  ldap: {url: 'ldap://127.0.0.1:3389', base_dn: 'dc=x', insecure_skip_verify: true}\n", nil},
		{"ldap attributes", "directory:\n  ldap:\n    url: ldaps://l\n    base_dn: dc=x\n    attributes: {mobil: x, email: 'mail perso'}\n",
			[]string{
				`seuil.yaml:5: directory.ldap.attributes.email: "mail perso" is not an LDAP attribute name`,
				`seuil.yaml:5: directory.ldap.attributes.mobil: unknown key (did you mean "mobile"?)`,
			}},
		{"bad dn", "directory:\n  ldap: {url: 'ldaps://l', base_dn: 'people'}\n",
			[]string{`seuil.yaml:2: directory.ldap.base_dn: "people" is not a DN (e.g. ou=people,dc=univ,dc=fr)`}},
		{"sql without parameter", "students:\n  sql:\n    driver: pgx\n    dsn: postgres://x\n    lookup_query: SELECT * FROM s\n",
			[]string{"seuil.yaml:5: students.sql.lookup_query: must take the student number as a parameter ($1)"}},
		{"smtp clear password", "mail:\n  smtp: {host: smtp.example.org, tls: none, username: u, password: p, from: 'a@example.org'}\n",
			[]string{"seuil.yaml:2: mail.smtp.tls: none could send the password in clear to smtp.example.org: use starttls or tls"}},
		{"smtp clear codes", "mail:\n  smtp: {host: relay.example.org, tls: none, from: 'a@example.org'}\n",
			[]string{"seuil.yaml:2: mail.smtp.tls: none sends the activation codes in clear to relay.example.org: use opportunistic, starttls or tls (none is for a relay on this host)"}},
		{"sms template", "sms:\n  http:\n    url: https://sms.example\n    body: '{{.Text}}'\n    content_type: text/plain\n",
			[]string{
				`seuil.yaml:4: sms.http.body: "{{.Text}}" uses an unknown field or function (fields: .To, .Body; functions: json, urlquery, digits, secret)`,
				"seuil.yaml:4: sms.http.body: neither the body nor the url sends the text ({{.Body}})",
			}},
		{"sms secret undefined", "sms:\n  http:\n    url: https://sms.example/?to={{.To|urlquery}}&m={{.Body|urlquery}}\n    method: GET\n    headers: {Authorization: 'Bearer {{secret \"tok\"}}', X: '{{'}\n    secrets: {token_file: /t}\n",
			[]string{
				`seuil.yaml:5: sms.http.headers.Authorization: uses {{secret "tok"}}, which is not set: give sms.http.secrets.tok_file, or SEUIL_SMS_HTTP_SECRETS_TOK`,
				"seuil.yaml:5: sms.http.headers.X: not a valid template: unclosed action",
				"seuil.yaml:6: sms.http.secrets.token_file: cannot read /t: file does not exist",
			}},
		{"sms countries and budget", "sms:\n  outbox: true\n  countries: [FR, XX]\n  daily_budget: -1\n",
			[]string{
				`seuil.yaml:3: sms.countries[1]: "XX" is not a region code like FR or BE`,
				"seuil.yaml:4: sms.daily_budget: -1: must be 0 (no cap) or more",
			}},
		{"sms body without type", "sms:\n  http: {url: 'https://sms.example', body: '{{.Body|json}}', success: {status_min: 200, json_field: status}}\n",
			[]string{
				"seuil.yaml:2: sms.http.content_type: required with a body (e.g. application/json)",
				"seuil.yaml:2: sms.http.success.json_field: json_field and json_values go together",
				"seuil.yaml:2: sms.http.success.status_max: 0 is out of range (200 to 599)",
			}},
		{"refresh outlives session", "oidc:\n  keys: [{file: k-rsa.pem}]\n  lifetimes: {refresh_token: 30d}\n  clients: [{id: a, public: true, redirect_uris: ['https://a/cb']}]\n",
			[]string{"seuil.yaml:3: oidc.lifetimes.refresh_token: 30d exceeds oidc.session.absolute_timeout (10h): a refresh token must not outlive the sign-in"}},
		{"two active keys", "oidc:\n  keys: [{file: a.pem}, {file: b.pem, alg: ES256}, {file: c-rsa.pem, alg: RS256}]\n  clients: [{id: a, public: true, redirect_uris: ['https://a/cb'], id_token_signed_response_alg: RS256}]\n",
			[]string{"seuil.yaml:2: oidc.keys: at most one active key per algorithm (found 2 ES256 keys active)"}},
		{"one active key per algorithm", "oidc:\n  keys: [{file: a.pem}, {file: b-rsa.pem, alg: RS256}, {file: c-rsa.pem, use: retiring}]\n  clients: [{id: a, public: true, redirect_uris: ['https://a/cb'], id_token_signed_response_alg: RS256}]\n", nil},
		{"key files", "oidc:\n  keys:\n    - {file: a.pem, alg: RS256}\n    - {file: /nope.pem, use: retiring}\n  active_key: a.pem\n  clients: [{id: a, public: true, redirect_uris: ['https://a/cb']}]\n",
			[]string{
				"seuil.yaml:3: oidc.keys[0].alg: RS256, but /etc/seuil/a.pem holds an ES256 key",
				"seuil.yaml:4: oidc.keys[1].file: cannot read /nope.pem: file does not exist",
				"seuil.yaml:5: oidc.active_key: only with keys_dir (with keys, mark one use: active)",
			}},
		{"alg without key", "oidc:\n  keys: [{file: a.pem}]\n  clients: [{id: a, public: true, redirect_uris: ['https://a/cb'], id_token_signed_response_alg: RS256}]\n",
			[]string{"seuil.yaml:3: oidc.clients[0].id_token_signed_response_alg: no key in oidc.keys has alg RS256"}},
		{"public with post auth", "oidc:\n  keys_dir: keys\n  clients: [{id: a, public: true, redirect_uris: ['https://a/cb'], token_endpoint_auth_method: client_secret_post}]\n",
			[]string{"seuil.yaml:3: oidc.clients[0].token_endpoint_auth_method: must be none for a public client"}},
		{"duplicate key", "log: {level: debug}\nlog: {format: text}\n",
			[]string{"seuil.yaml:2: log: defined twice"}},
		{"limit", "limits:\n  login_per_ip: {rate: 0, per: 1m}\n",
			[]string{"seuil.yaml:2: limits.login_per_ip.burst: must be at least 1", "seuil.yaml:2: limits.login_per_ip.rate: must be at least 1"}},
		{"login pattern", "sync: {login_pattern: '{nom}.{studentID}', max_left: 1.5}\n",
			[]string{
				"seuil.yaml:1: sync.login_pattern: unknown placeholder {nom} (the one placeholder is {student_id})",
				"seuil.yaml:1: sync.max_left: 1.5 is out of range (a fraction above 0, at most 1)",
			}},
		{"login pattern characters", "sync: {login_pattern: 'e {studentID}', max_left: half}\n",
			[]string{
				`seuil.yaml:1: sync.login_pattern: "e {student_id}" may hold only letters, digits, '.', '_' and '-' around {student_id}`,
				`seuil.yaml:1: sync.max_left: "half" is not a number`,
			}},
		{"students from ldap", "students:\n  ldap:\n    url: ldaps://ldap.example.org\n    base_dn: ou=people,dc=example,dc=org\n    filter: (eduPersonAffiliation=student)(\n",
			[]string{`seuil.yaml:5: students.ldap.filter: "(eduPersonAffiliation=student)(" is not an LDAP filter: finished compiling filter with extra at end: (`}},
		{"students from ldap, default filter", "students:\n  ldap: {url: 'ldaps://ldap.example.org', base_dn: 'dc=x', bind_dn: 'cn=r,dc=x', bind_password: p}\n", nil},
		{"csv format", "students:\n  csv: {path: s.csv, encoding: latin1, separator: ';;', region: fr}\n",
			[]string{
				`seuil.yaml:2: students.csv.encoding: "latin1" is not one of auto, utf-8, latin-1`,
				`seuil.yaml:2: students.csv.region: "fr" is not a two-letter region code (e.g. FR)`,
				`seuil.yaml:2: students.csv.separator: ";;" must be one character`,
			}},
		{"redis cluster", "redis:\n  addrs: [a:7000, b:7000]\n  db: 2\n  sentinel_password: x\n  tls: {server_name: redis}\n",
			[]string{
				"seuil.yaml:3: redis.db: must be 0 with Redis Cluster (several addrs without master_name)",
				"seuil.yaml:4: redis.sentinel_password: only for Sentinel (set master_name)",
				"seuil.yaml:5: redis.tls.enabled: must be true when ca_file or server_name is set",
			}},
		{"server", "server:\n  public_url: https://idp.example.org/?x=1\n  addr: :8080\n  metrics_addr: :8080\n  cookie_secure: false\n",
			[]string{
				`seuil.yaml:2: server.public_url: "https://idp.example.org/?x=1" must not have a query or user info`,
				"seuil.yaml:4: server.metrics_addr: must differ from server.addr (:8080)",
				"seuil.yaml:5: server.cookie_secure: must be true when server.public_url is https",
			}},
		{"sms reports without message_id", "sms:\n  http:\n    url: 'https://sms.example/send?text={{.Body | urlquery}}'\n    reports: {token: short, id_field: id}\n",
			[]string{
				"seuil.yaml:4: sms.http.reports: needs sms.http.message_id: the reports name the message by the id the provider gave it",
				"seuil.yaml:4: sms.http.reports.delivered: required: the statuses that mean delivered to the phone",
				"seuil.yaml:4: sms.http.reports.status_field: required",
				"seuil.yaml:4: sms.http.reports.token: required, at least 16 characters (token_file, or SEUIL_SMS_HTTP_REPORTS_TOKEN)",
			}},
		{"pprof without metrics", "server:\n  public_url: https://idp.example.org\n  pprof: true\n",
			[]string{"seuil.yaml:3: server.pprof: needs server.metrics_addr: the profiles are served there, never on server.addr"}},
		{"ldaps with start_tls", "directory:\n  ldap: {url: 'ldaps://l.example.org', base_dn: 'dc=x', start_tls: true}\n",
			[]string{`seuil.yaml:2: directory.ldap.url: "ldaps://l.example.org" is already TLS: start_tls is for ldap:// URLs`}},
		{"issuer and client details", "oidc:\n  issuer: https://idp.example.org/\n  keys: [{file: k-rsa.pem}]\n  clients:\n    - id: 'p j'\n      secret_hash: plain\n      redirect_uris: [https://a/cb]\n      scopes: [profile]\n      grant_types: [implicit]\n",
			[]string{
				`seuil.yaml:2: oidc.issuer: "https://idp.example.org/" must have no query and no trailing slash`,
				`seuil.yaml:5: oidc.clients[0].id: "p j" may hold only letters, digits, '.', '_' and '-'`,
				"seuil.yaml:6: oidc.clients[0].secret_hash: must be a bcrypt hash ($2a$…, $2b$…)",
				"seuil.yaml:8: oidc.clients[0].scopes: must include openid",
				`seuil.yaml:9: oidc.clients[0].grant_types[0]: "implicit" is not one of authorization_code, refresh_token, client_credentials`,
			}},
		{"public client credentials", "oidc:\n  keys: [{file: k-rsa.pem}]\n  clients: [{id: a, public: true, redirect_uris: ['https://a/cb'], grant_types: [client_credentials]}]\n",
			[]string{"seuil.yaml:3: oidc.clients[0].grant_types[0]: client_credentials needs a confidential client"}},
		{"service client", "oidc:\n  keys: [{file: k-rsa.pem}]\n  clients: [{id: batch, secret: s, grant_types: [client_credentials], scopes: [profile]}, {id: api, secret: s, grant_types: [client_credentials], resource_server: true}]\n", nil},
		{"native, origins and grants", "oidc:\n  keys: [{file: k-rsa.pem}]\n  clients: [{id: app, public: true, native: true, redirect_uris: ['http://127.0.0.1/cb'], allowed_origins: ['https://a.fr/x', 'http://a.fr'], grant_types: [refresh_token]}]\n",
			[]string{
				"seuil.yaml:3: oidc.clients[0].allowed_origins[0]: \"https://a.fr/x\" is not an origin (e.g. https://app.univ.fr)",
				"seuil.yaml:3: oidc.clients[0].allowed_origins[1]: \"http://a.fr\" must be an absolute https URL (http only for loopback)",
				"seuil.yaml:3: oidc.clients[0].grant_types: refresh_token goes with authorization_code",
			}},
		{"claims and scopes", "oidc:\n  keys_dir: k\n  clients: [{id: a, public: true, redirect_uris: ['https://a/cb'], scopes: [openid, phone], claims: {uid: supannAliasLogin, aff: '=student'}}]\n",
			[]string{
				`seuil.yaml:3: oidc.clients[0].claims.uid: "supannAliasLogin" is not an account field (login, student_id, ine, email, mobile, first_name, last_name) nor a constant ("=value")`,
				`seuil.yaml:3: oidc.clients[0].scopes[1]: "phone" is not one of openid, profile, email, offline_access`,
			}},
		{"private_key_jwt without keys", "oidc:\n  keys_dir: k\n  clients:\n    - id: a\n      token_endpoint_auth_method: private_key_jwt\n      redirect_uris: ['https://a/cb']\n",
			[]string{"seuil.yaml:4: oidc.clients[0].jwks: private_key_jwt needs exactly one of jwks, jwks_file, jwks_uri (found 0)"}},
		{"private_key_jwt with a secret", "oidc:\n  keys_dir: k\n  clients:\n    - id: a\n      secret: s\n      token_endpoint_auth_method: private_key_jwt\n      jwks_uri: http://a.example.org/jwks\n      token_endpoint_auth_signing_alg: HS256\n      redirect_uris: ['https://a/cb']\n",
			[]string{
				"seuil.yaml:5: oidc.clients[0].secret: a private_key_jwt client has no secret",
				`seuil.yaml:7: oidc.clients[0].jwks_uri: "http://a.example.org/jwks" must be an absolute https URL (http only for loopback)`,
				`seuil.yaml:8: oidc.clients[0].token_endpoint_auth_signing_alg: "HS256" is not one of RS256, PS256, ES256`,
			}},
		{"keys for a secret client", "oidc:\n  keys_dir: k\n  clients:\n    - id: a\n      secret: s\n      jwks_file: /nope.json\n      redirect_uris: ['https://a/cb']\n",
			[]string{
				"seuil.yaml:4: oidc.clients[0].jwks: client keys are for token_endpoint_auth_method: private_key_jwt",
				"seuil.yaml:6: oidc.clients[0].jwks_file: cannot read /nope.json: file does not exist",
			}},
		{"private_key_jwt with a PEM file", "oidc:\n  keys_dir: k\n  clients:\n    - id: a\n      token_endpoint_auth_method: private_key_jwt\n      jwks_file: /etc/seuil/a-rsa.pem\n      landing_uri: https://a/home\n      redirect_uris: ['https://a/cb']\n",
			[]string{`seuil.yaml:6: oidc.clients[0].jwks_file: /etc/seuil/a-rsa.pem: not a JWK Set: invalid character '-' in numeric literal`}},
		{"private_key_jwt with a private JWK", "oidc:\n  keys_dir: k\n  clients:\n    - id: a\n      token_endpoint_auth_method: private_key_jwt\n      jwks: '{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}'\n      redirect_uris: ['https://a/cb']\n",
			[]string{`seuil.yaml:6: oidc.clients[0].jwks: key 0 (kid "") is a private key: publish only public keys`}},
		{"syntax error", "server: [\n",
			[]string{"seuil.yaml:2: did not find expected ',' or ']'"}},
		{"two documents", "log: {}\n---\nredis: {}\n",
			[]string{"seuil.yaml:2: a second YAML document (---): put everything in one"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, got := parseWith(t, fakeWorld{}, doc(tc.text))
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", lines(got), lines(tc.want))
			}
		})
	}
}

// TestAllProblemsAtOnce checks that problems in different sections are
// all reported, in file order, with missing keys (no line) last.
func TestAllProblemsAtOnce(t *testing.T) {
	t.Parallel()
	text := "log:\n  level: loud\nredis:\n  db: -1\nserver:\n  adr: :80\noidc:\n  secret: short\n"
	_, got := parseWith(t, fakeWorld{env: map[string]string{"SEUIL_OIDC_SECRET": ""}}, text)
	want := []string{
		`seuil.yaml:2: log.level: "loud" is not one of debug, info, warn, error`,
		"seuil.yaml:3: redis.addrs: required",
		"seuil.yaml:4: redis.db: -1 is out of range (0 to 15)",
		"seuil.yaml:5: server.public_url: required",
		`seuil.yaml:6: server.adr: unknown key (did you mean "addr"?)`,
		"seuil.yaml:7: oidc: required: set one of keys, keys_dir",
		"seuil.yaml:8: oidc.secret: too short (5 characters): at least 32",
		"seuil.yaml: directory: required: set one of embedded, ldap",
		"seuil.yaml: mail: required: set one of outbox, smtp",
		"seuil.yaml: sms: required: set one of http, outbox",
		"seuil.yaml: students: required: set one of csv, ldap, pegase, sql",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", lines(got), lines(want))
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	keys := []string{"addrs", "master_name", "password", "password_file", "key_prefix"}
	for in, want := range map[string]string{
		"adresses": "", "addr": "addrs", "masterName": "master_name", "keyprefix": "key_prefix",
		"passwd": "password", "zz": "", "password_files": "password_file",
	} {
		if got := suggest(in, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func lines(s []string) string {
	out := ""
	for _, l := range s {
		out += "  " + l + "\n"
	}
	return out
}

// TestAliases: anchors and aliases work; a huge file is cut short with a
// problem. (Exponential alias expansion cannot happen: the struct tree
// bounds the depth, and an alias where a string is expected fails at once.)
func TestAliases(t *testing.T) {
	t.Parallel()
	cfg, got := parseWith(t, fakeWorld{}, doc("server:\n  public_url: https://idp.example.org\n  trusted_proxies: &p [10.0.0.0/8]\nredis:\n  addrs: *p\n"))
	if got == nil || cfg != nil {
		t.Fatalf("the alias should be decoded as redis.addrs: %v", got)
	}
	// The line is where the value is written (the anchor), not where it is used.
	if want := `seuil.yaml:3: redis.addrs[0]: "10.0.0.0/8" is not host:port (e.g. ":8080", "redis-0.redis:6379")`; !slices.Equal(got, []string{want}) {
		t.Errorf("problems:\n%s", lines(got))
	}
	huge := "server:\n  trusted_proxies: [" + strings.Repeat("1.1.1.1,", maxNodes) + "1.1.1.1]\n"
	_, got = parseWith(t, fakeWorld{}, doc(huge))
	if len(got) != 1 || !strings.HasSuffix(got[0], "the file is too large once aliases (*name) are expanded") {
		t.Errorf("problems: %.300s", lines(got))
	}
}

func TestHMACSecretRequired(t *testing.T) {
	t.Parallel()
	_, got := parseWith(t, fakeWorld{env: map[string]string{"SEUIL_OIDC_SECRET": ""}}, doc(""))
	want := []string{"seuil.yaml:13: oidc.secret: required: at least 32 random characters, the same on every replica (secret_file, or SEUIL_OIDC_SECRET)"}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s", lines(got))
	}
}

func TestHistoryCheckValues(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ value, want string }{{"auto", ""}, {"off", ""}, {"sometimes", "directory.ldap.history_check"}} {
		_, err := Parse("h.yaml", []byte(`
server: {public_url: "https://idp.univ.fr"}
redis: {addrs: ["127.0.0.1:6379"]}
directory:
  ldap: {url: "ldaps://ldap.univ.fr", base_dn: "ou=people,dc=univ,dc=fr", history_check: `+tt.value+`}
students: {csv: {path: /dev/null}}
mail: {outbox: true}
sms: {outbox: true}
`))
		got := err != nil && strings.Contains(err.Error(), "h.yaml:5: directory.ldap.history_check")
		if got != (tt.want != "") {
			t.Errorf("history_check %q: %v", tt.value, err)
		}
	}
}
