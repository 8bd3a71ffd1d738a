package config

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/regulation"
)

// exampleSecrets are the files the example names, as Kubernetes would
// mount them.
var exampleSecrets = map[string]string{
	"/run/secrets/seuil/redis-password":     "v-redis-pw\n",
	"/run/secrets/seuil/ldap-bind-password": "v-ldap-pw\n",
	"/run/secrets/seuil/apogee-dsn":         "oracle://seuil:v-apogee-pw@apogee:1521/APOPROD\n",
	"/run/secrets/seuil/smtp-password":      "v-smtp-pw\n",
	"/run/secrets/seuil/sms-api-key":        "v-sms-api-key\n",
	"/run/secrets/seuil/client-pjweb":       "v-pjweb-secret\n",
	"/run/secrets/seuil/oidc-secret":        "v-oidc-secret-v-oidc-secret-v-oidc-secret\n",
	"/run/secrets/seuil/client-ent":         "v-ent-secret\r\n",
	"/run/secrets/seuil/staff-key":          "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n",
	"/run/secrets/seuil/audit-dsn":          "postgres://seuil:v-audit-pw@db/seuil\n",
}

// exampleWorld serves the example's secrets and signing keys.
func exampleWorld() fakeWorld {
	files := map[string]string{
		"/run/secrets/seuil-keys/2026-09.pem": string(testKey(false)),
		"/run/secrets/seuil-keys/2026-03.pem": string(testKey(true)),
	}
	for k, v := range exampleSecrets {
		files[k] = v
	}
	return fakeWorld{files: files, env: map[string]string{"SEUIL_OIDC_SECRET": ""}}
}

func TestExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/seuil.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, probs := parseWith(t, exampleWorld(), string(data))
	if probs != nil {
		t.Fatalf("the example does not validate:\n%s", lines(probs))
	}
	if k, err := cfg.Staff.Key(); err != nil || len(k) != 32 || cfg.Staff.Helpdesk.Entitlements[0] != "urn:mace:univ-tours.fr:seuil:helpdesk" ||
		cfg.Staff.Admin.Logins[0] != "jdupont" || cfg.Audit.DSN.Value() != "postgres://seuil:v-audit-pw@db/seuil" || cfg.Audit.RetentionDays != 183 {
		t.Errorf("staff and audit sections: %+v, %+v (key %v)", cfg.Staff, cfg.Audit, err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"issuer from public_url", cfg.OIDC.Issuer, "https://compte.univ-exemple.fr"},
		{"cookie secure from https", cfg.Server.CookieSecure, true},
		{"sentinel", cfg.Redis.MasterName, "seuil"},
		{"redis password from file", cfg.Redis.Password.Value(), "v-redis-pw"},
		{"CRLF trimmed", cfg.OIDC.Clients[1].Secret.Value(), "v-ent-secret"},
		{"env name by client id", cfg.OIDC.Clients[0].Secret.EnvName(), "SEUIL_OIDC_CLIENTS_PJWEB_SECRET"},
		{"inline ldap conn secret", cfg.Directory.LDAP.BindPassword.Value(), "v-ldap-pw"},
		{"ldap env name", cfg.Directory.LDAP.BindPassword.EnvName(), "SEUIL_DIRECTORY_LDAP_BIND_PASSWORD"},
		{"default auth method", cfg.OIDC.Clients[0].TokenEndpointAuthMethod, "client_secret_basic"},
		{"explicit auth method", cfg.OIDC.Clients[1].TokenEndpointAuthMethod, "client_secret_post"},
		{"client default scopes kept", cfg.OIDC.Clients[0].Scopes, []string{"openid", "profile", "email"}},
		{"client theme from flows", cfg.OIDC.Clients[0].Theme, "default"},
		{"claims", cfg.OIDC.Clients[1].Claims["eduPersonAffiliation"], "=student"},
		{"retiring key", cfg.OIDC.Keys[1].Use, "retiring"},
		{"alg from the key", cfg.OIDC.Keys[1].Alg, "RS256"},
		{"active key first", cfg.OIDC.Files()[0], "/run/secrets/seuil-keys/2026-09.pem"},
		{"session idle", cfg.OIDC.Session.IdleTimeout, 30 * time.Minute},
		{"refresh", cfg.OIDC.Lifetimes.RefreshTokenTTL, 10 * time.Hour},
		{"limit", cfg.Limits.CodeSendPerPhone, regulation.Limit{Rate: 10, Per: 24 * time.Hour, Burst: 5}},
		{"hmac secret from file", cfg.OIDC.Secret.Source(), "file /run/secrets/seuil/oidc-secret"},
		{"sms success", cfg.SMS.HTTP.Success.StatusMin, 201},
		{"sms secret from file", cfg.SMS.HTTP.Secrets["api_key"].Value(), "v-sms-api-key"},
		{"sms secret env name", cfg.SMS.HTTP.Secrets["api_key"].EnvName(), "SEUIL_SMS_HTTP_SECRETS_API_KEY"},
		{"smtp port", cfg.Mail.SMTP.Port, 587},
		{"ldap pool", cfg.Directory.LDAP.PoolSize, 4},
		{"ldap attribute override", cfg.Directory.LDAP.Attributes.Mobile, "supannAutreTelephone"},
		{"no demo settings", len(cfg.DemoOnly()), 0},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case []string:
		return slices.Equal(a, b.([]string))
	case []int:
		return slices.Equal(a, b.([]int))
	}
	return a == b
}

// TestLoadExampleWithEnv loads the example through the real Load, with
// every secret from the environment (which wins over the _file keys, so
// the absent /run/secrets files are not read) and the signing keys in a
// temporary directory, and runs check-config.
func TestLoadExampleWithEnv(t *testing.T) {
	for _, k := range []string{"REDIS_PASSWORD", "DIRECTORY_LDAP_BIND_PASSWORD", "STUDENTS_SQL_DSN", "MAIL_SMTP_PASSWORD",
		"SMS_HTTP_SECRETS_API_KEY", "OIDC_CLIENTS_PJWEB_SECRET", "OIDC_CLIENTS_ENT_SECRET", "OIDC_SECRET"} {
		t.Setenv("SEUIL_"+k, "env-secret-"+k+"-long-enough-for-an-hmac-key")
	}
	t.Setenv("SEUIL_STAFF_CREDENTIALS_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	t.Setenv("SEUIL_AUDIT_DSN", "postgres://env-secret-audit@db/seuil")
	dir := t.TempDir()
	for name, rsaKey := range map[string]bool{"2026-09.pem": false, "2026-03.pem": true} {
		if err := os.WriteFile(filepath.Join(dir, name), testKey(rsaKey), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	example := strings.ReplaceAll(mustRead(t, "testdata/seuil.example.yaml"), "/run/secrets/seuil-keys/", dir+"/")
	path := filepath.Join(dir, "seuil.yaml")
	if err := os.WriteFile(path, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := Check(path, &out); code != 0 {
		t.Fatalf("check-config exit %d:\n%s", code, out.String())
	}
	got := out.String()
	for _, want := range []string{"ok: " + path, `sentinel "seuil"`, "password set (env SEUIL_REDIS_PASSWORD)", "pjweb (confidential, secret set (env SEUIL_OIDC_CLIENTS_PJWEB_SECRET))",
		"credentials key set (env SEUIL_STAFF_CREDENTIALS_KEY)", "postgres (dsn set (env SEUIL_AUDIT_DSN))"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "env-secret") {
		t.Errorf("summary prints a secret:\n%s", got)
	}
}

func TestCheckReportsProblems(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "seuil.yaml")
	if err := os.WriteFile(path, []byte("redis:\n  adrs: [x]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := Check(path, &out); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{path + `:2: redis.adrs: unknown key (did you mean "addrs"?)`, path + ": server.public_url: required", "problems in " + path} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := Check(filepath.Join(t.TempDir(), "absent.yaml"), &out); code != 1 || !strings.Contains(out.String(), "cannot read: no such file") {
		t.Errorf("absent file: exit %d, output %q", code, out.String())
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, probs := parseWith(t, fakeWorld{}, doc("server:\n  public_url: http://localhost:8080/seuil\n"))
	if probs != nil {
		t.Fatalf("problems:\n%s", lines(probs))
	}
	csv := cfg.Students.Section().(*CSVStudents)
	if cfg.Server.Addr != ":8080" || cfg.Server.CookieSecure || cfg.OIDC.Issuer != "http://localhost:8080/seuil" ||
		cfg.Log.Level != "info" || cfg.Log.Format != "json" || cfg.Redis.KeyPrefix != "seuil:" ||
		cfg.Sync.LoginPattern != "{student_id}T" || cfg.Sync.MaxLeft != 0.2 || csv.Encoding != "auto" ||
		cfg.OIDC.Keys[0].Alg != "ES256" || cfg.Sync.Workers != 4 || cfg.OIDC.Lifetimes.AccessTokenTTL != 5*time.Minute {
		t.Errorf("defaults: %+v", cfg)
	}
	if got := cfg.DemoOnly(); !slices.Equal(got, []string{"directory.embedded", "mail.outbox", "sms.outbox"}) {
		t.Errorf("DemoOnly = %v", got)
	}
	// Relative paths are resolved against the config file's directory.
	if csv.Path != "/etc/seuil/students.csv" || cfg.OIDC.Keys[0].File != "/etc/seuil/key.pem" {
		t.Errorf("paths: %q %q", csv.Path, cfg.OIDC.Keys[0].File)
	}
}

// TestLimitBurst: a rule given a rate but no burst bursts to its rate,
// rather than keeping the default rule's burst.
func TestLimitBurst(t *testing.T) {
	t.Parallel()
	cfg, probs := parseWith(t, fakeWorld{}, doc("limits:\n  login_per_ip: {rate: 7, per: 1m}\n  login_per_account: {per: 1h}\n"))
	if probs != nil {
		t.Fatalf("problems:\n%s", lines(probs))
	}
	if r := cfg.Limits.LoginPerIP; r.Burst != 7 {
		t.Errorf("login_per_ip = %+v", r)
	}
	def := regulation.Defaults()[regulation.LoginPerAccount]
	if r := cfg.Limits.LoginPerAccount; r.Rate != def.Rate || r.Burst != def.Burst || r.Per != time.Hour { // default kept
		t.Errorf("login_per_account = %+v", r)
	}
}

func TestAccessors(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]string{
		"https://idp.example.org": "", "https://idp.example.org/": "", "https://www.univ.fr/compte/": "/compte", "http://localhost:8080/a/b": "/a/b",
	} {
		if got := (Server{PublicURL: url}).Prefix(); got != want {
			t.Errorf("Prefix(%q) = %q, want %q", url, got, want)
		}
	}
	for level, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		if got := (Log{Level: level}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v", level, got)
		}
	}
}

// TestLimitsAreRegulationRules: every rule of idp/regulation has its key
// under limits, with regulation's default, and there is no other key.
func TestLimitsAreRegulationRules(t *testing.T) {
	t.Parallel()
	l := defaultLimits()
	names, rules := l.rules()
	var want []string
	for _, r := range regulation.AllRules {
		want = append(want, string(r))
	}
	if !slices.Equal(names, want) {
		t.Fatalf("limits keys %v, regulation rules %v", names, want)
	}
	for i, name := range names {
		d := regulation.Defaults()[regulation.Rule(name)]
		if r := rules[i]; r.Rate != d.Rate || r.Per != d.Per || r.Burst != d.Burst {
			t.Errorf("%s: %+v, regulation default %+v", name, *r, d)
		}
	}
}
