package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/provider/keys"
)

// check-config never says "ok" to what serve refuses: on a corpus of
// broken production configurations, both refuse, and every problem
// check-config prints (file:line: key: what) is in serve's refusal, word
// for word, all of them at once.
func TestPreflightParity(t *testing.T) {
	t.Parallel()
	// Nothing here is dialled: the preflight reads files only.
	fake := &slapdtest.Server{URL: "ldap://127.0.0.1:1", ServiceDN: "cn=seuil,ou=services,dc=x", ServicePassword: "p",
		PeopleDN: "ou=people,dc=x", PolicyDN: "cn=default,ou=policies,dc=x"}
	cases := []struct {
		name string
		edit func(t *testing.T, dir, text string) string // the config text, files written in dir
		want []string
	}{
		{"the demo's outboxes", nil, []string{"mail.outbox: is for `seuil demo` only; configure mail.smtp",
			"sms.outbox: is for `seuil demo` only; configure sms.http"}},
		{"a missing students CSV", func(t *testing.T, dir, text string) string {
			return strings.Replace(text, filepath.Join(dir, "students.csv"), filepath.Join(dir, "nope.csv"), 1)
		}, []string{"students.csv.path: " + "%DIR%/nope.csv: no such file or directory"}},
		{"a CSV with no student", func(t *testing.T, dir, text string) string {
			writeFile(t, filepath.Join(dir, "students.csv"), "COD_ETU;COD_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND\n")
			return text
		}, []string{"students.csv.path: no valid student in the file"}},
		{"a missing ca_file, flows.dir and themes.dir", func(t *testing.T, dir, text string) string {
			text = strings.Replace(text, "    mail_domain: univ-tours.fr\n", "    mail_domain: univ-tours.fr\n    ca_file: ca.pem\n", 1)
			return text + "flows: {dir: no-flows}\nthemes: {dir: no-themes}\n"
		}, []string{"directory.ldap.ca_file: %DIR%/ca.pem: no such file or directory",
			"flows.dir: %DIR%/no-flows: no such file or directory", "themes.dir: %DIR%/no-themes: no such file or directory"}},
		{"two broken flow files", func(t *testing.T, dir, text string) string {
			os.Mkdir(filepath.Join(dir, "flows"), 0o700)
			writeFile(t, filepath.Join(dir, "flows", "activation.yaml"),
				"name: activation\nsteps:\n  - type: verify\n  - type: password\n    max_age: 400d\n  - type: done\n")
			writeFile(t, filepath.Join(dir, "flows", "reset.yaml"), "name: reset\nsteps:\n  - type: nosuchstep\n")
			return text + "flows: {dir: flows}\n"
		}, []string{"flows.activation.steps[1].max_age: 400d is not between 1d and 365d", "reset"}},
		{"a theme without one translation", func(t *testing.T, dir, text string) string {
			// The default theme, copied, one French message removed.
			th := filepath.Join(dir, "themes", "univ")
			if err := os.CopyFS(th, os.DirFS(filepath.Join("..", "..", "themes", "default"))); err != nil {
				t.Fatal(err)
			}
			msgs := filepath.Join(th, "i18n", "fr", "messages.yaml")
			raw, err := os.ReadFile(msgs)
			if err != nil {
				t.Fatal(err)
			}
			var kept []string
			for _, l := range strings.Split(string(raw), "\n") {
				if !strings.HasPrefix(l, "error.mismatch:") {
					kept = append(kept, l)
				}
			}
			writeFile(t, msgs, strings.Join(kept, "\n"))
			return text + "themes: {dir: themes}\n"
		}, []string{"themes.dir: theme univ lacks translations", "error.mismatch"}},
		{"keys_dir without the active key", func(t *testing.T, dir, text string) string {
			os.Mkdir(filepath.Join(dir, "keys"), 0o700)
			if err := keys.Generate(filepath.Join(dir, "keys", "2026.pem"), "ES256"); err != nil {
				t.Fatal(err)
			}
			return strings.Replace(text, "  keys: [{file: \""+filepath.Join(dir, "es256.pem")+"\"}]\n",
				"  keys_dir: keys\n  active_key: 2027.pem\n", 1)
		}, []string{"oidc.keys_dir: "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfgPath := productionSetup(t, "https://idp.univ-tours.fr", "127.0.0.1:1", fake)
			dir := filepath.Dir(cfgPath)
			if c.edit != nil {
				raw, err := os.ReadFile(cfgPath)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, cfgPath, c.edit(t, dir, string(raw)))
			}
			var out, serveErr bytes.Buffer
			if code := run(context.Background(), []string{"check-config", "--config", cfgPath}, &out, &out); code != 1 {
				t.Fatalf("check-config = %d, want 1\n%s", code, out.String())
			}
			if code := run(context.Background(), []string{"serve", "--config", cfgPath}, &serveErr, &serveErr); code != 1 {
				t.Fatalf("serve = %d, want 1\n%s", code, serveErr.String())
			}
			for _, want := range c.want {
				want = strings.ReplaceAll(want, "%DIR%", dir)
				if !strings.Contains(out.String(), want) {
					t.Errorf("check-config lacks %q:\n%s", want, out.String())
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if strings.HasPrefix(line, cfgPath) && !strings.Contains(serveErr.String(), line) {
					t.Errorf("check-config says %q, serve does not:\n%s", line, serveErr.String())
				}
			}
		})
	}
}
