package main

import (
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/seuil-idp/seuil/idp/directory/ldap/schema"
	"github.com/seuil-idp/seuil/idp/provider/keys"
)

//go:embed initdata/*.tmpl
var initData embed.FS

// runInit writes a production skeleton into a new directory: a commented
// seuil.yaml whose few site-specific values are marked EDIT, ES256 and
// RS256 signing keys, random secrets as files, and what the directory
// admin loads into OpenLDAP (the schemas, the ppolicy overlay and the
// policies, the service account with its password, its ACL), as LDIF
// and in slapd.conf syntax.
func runInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("init", stderr)
	baseDN := fs.String("base-dn", "dc=univ-exemple,dc=fr", "the directory's suffix")
	public := fs.String("public-url", "https://compte.univ-exemple.fr", "the URL students will see")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return parseFlags(fs, args)
		}
		fmt.Fprintln(stderr, "seuil init: give the directory to create first: seuil init /etc/seuil [flags]")
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	dir, err := filepath.Abs(args[0])
	if err != nil {
		return err
	}
	u, err := url.Parse(*public)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("--public-url %q: an https URL", *public)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: seuil init writes a new directory and never overwrites", dir)
	}
	domain := u.Hostname()
	if i := strings.IndexByte(domain, '.'); i > 0 && strings.Count(domain, ".") > 1 {
		domain = domain[i+1:] // compte.univ-exemple.fr → univ-exemple.fr
	}
	month := time.Now().UTC().Format("2006-01")
	data := map[string]string{"Dir": dir, "BaseDN": *baseDN, "PublicURL": *public, "Domain": domain,
		"ESKey": month + "-es256.pem", "RSKey": month + "-rs256.pem"}

	for _, d := range []string{"keys", "secrets", "ldap/schema"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
	}
	for name, alg := range map[string]string{data["ESKey"]: "ES256", data["RSKey"]: "RS256"} {
		if err := keys.Generate(filepath.Join(dir, "keys", name), alg); err != nil {
			return err
		}
	}
	secrets := map[string]string{
		"oidc-secret": random(32), "client-pjweb": random(32), "ldap-bind-password": random(18),
		"staff-key": base64.StdEncoding.EncodeToString(randomBytes(32)),
		// The site's own, to be pasted in: check-config --connect says
		// whether they are right.
		"smtp-password": "REPLACE-with-the-SMTP-relay-password", "sms-api-key": "REPLACE-with-the-SMS-provider-key",
	}
	for name, v := range secrets {
		if err := os.WriteFile(filepath.Join(dir, "secrets", name), []byte(v+"\n"), 0o600); err != nil {
			return err
		}
	}
	data["BindPassword"] = secrets["ldap-bind-password"]
	for tmpl, out := range map[string]string{
		"seuil.yaml.tmpl": "seuil.yaml", "10-ppolicy.ldif.tmpl": "ldap/10-ppolicy.ldif",
		"20-entries.ldif.tmpl": "ldap/20-entries.ldif", "30-acl.ldif.tmpl": "ldap/30-acl.ldif",
		"slapd.conf.txt.tmpl": "ldap/slapd.conf.txt",
	} {
		if err := writeTemplate(filepath.Join(dir, out), "initdata/"+tmpl, data); err != nil {
			return err
		}
	}
	if err := fs2dir(schema.Files, filepath.Join(dir, "ldap", "schema")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, `Seuil's production skeleton is in %s:
  seuil.yaml          edit the values marked EDIT
  keys/               %s (signs), %s (for RS256 clients)
  secrets/            random secrets; paste the SMTP password and the SMS key into their files
  ldap/               for the directory admin: schema/, 10-ppolicy.ldif, 20-entries.ldif
                      (the service account, with secrets/ldap-bind-password), 30-acl.ldif,
                      or slapd.conf.txt
Then:
  seuil check-config --config %s/seuil.yaml --connect --student <a student number>
  seuil serve --config %s/seuil.yaml
`, dir, data["ESKey"], data["RSKey"], dir, dir)
	return nil
}

func writeTemplate(path, name string, data any) error {
	raw, err := initData.ReadFile(name)
	if err != nil {
		return err
	}
	t, err := template.New(name).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	return errors.Join(t.Execute(f, data), f.Close())
}

// fs2dir copies every file of fsys into dir.
func fs2dir(fsys fs.FS, dir string) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// random is n random bytes as URL-safe text.
func random(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }
