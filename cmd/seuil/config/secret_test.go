package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSecretSources(t *testing.T) {
	t.Parallel()
	text := doc("redis:\n  addrs: [r:6379]\n  password_file: secrets/redis\n")
	for _, tc := range []struct {
		name       string
		world      fakeWorld
		want, from string
		problems   []string
	}{
		{"from file, relative to the config", fakeWorld{files: map[string]string{"/etc/seuil/secrets/redis": "pw\n"}}, "pw", "file /etc/seuil/secrets/redis", nil},
		{"env wins over file", fakeWorld{env: map[string]string{"SEUIL_REDIS_PASSWORD": "env-pw"}}, "env-pw", "env SEUIL_REDIS_PASSWORD", nil},
		{"missing file", fakeWorld{}, "", "", []string{"seuil.yaml:3: redis.password_file: cannot read /etc/seuil/secrets/redis: file does not exist"}},
		{"empty file", fakeWorld{files: map[string]string{"/etc/seuil/secrets/redis": "\n"}}, "", "", []string{"seuil.yaml:3: redis.password_file: /etc/seuil/secrets/redis is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, probs := parseWith(t, tc.world, text)
			if !slices.Equal(probs, tc.problems) {
				t.Fatalf("problems:\n%s\nwant:\n%s", lines(probs), lines(tc.problems))
			}
			if cfg != nil && (cfg.Redis.Password.Value() != tc.want || cfg.Redis.Password.Source() != tc.from) {
				t.Errorf("password %q from %q, want %q from %q", cfg.Redis.Password.Value(), cfg.Redis.Password.Source(), tc.want, tc.from)
			}
		})
	}
}

func TestSecretBothWays(t *testing.T) {
	t.Parallel()
	_, probs := parseWith(t, fakeWorld{files: map[string]string{"/p": "x"}}, doc("redis:\n  addrs: [r:6379]\n  password: a\n  password_file: /p\n"))
	want := []string{"seuil.yaml:3: redis.password: set either password or password_file, not both"}
	if !slices.Equal(probs, want) {
		t.Errorf("problems:\n%s", lines(probs))
	}
}

// TestSecretRealFileAndEnv goes through Load, the real environment and a
// real file, as a Kubernetes pod would.
func TestSecretRealFileAndEnv(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("smtp-password", "smtp-from-file\n")
	write("key.pem", string(testKey(false)))
	write("key-rsa.pem", string(testKey(true)))
	write("seuil.yaml", doc("mail:\n  smtp:\n    host: smtp.example.org\n    username: seuil\n    password_file: smtp-password\n    from: a@example.org\n"))
	t.Setenv("SEUIL_OIDC_CLIENTS_PJWEB_SECRET", "pjweb-from-env")
	t.Setenv("SEUIL_OIDC_SECRET", hmacSecret)
	cfg, err := Load(filepath.Join(dir, "seuil.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Mail.SMTP.Password.Value(); got != "smtp-from-file" {
		t.Errorf("smtp password %q", got)
	}
	if got := cfg.OIDC.Clients[0].Secret.Value(); got != "pjweb-from-env" {
		t.Errorf("client secret %q (env should win over the value in the file)", got)
	}
}

// TestSecretNeverPrinted formats a loaded config every usual way.
func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	cfg, probs := parseWith(t, exampleWorld(), mustRead(t, "testdata/seuil.example.yaml"))
	if probs != nil {
		t.Fatal(lines(probs))
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %+v %#v %v", cfg, *cfg, cfg.Redis, cfg.OIDC.Clients)
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(js)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "redis", cfg.Redis.Password, "cfg", cfg)
	cfg.Summary(&out)
	for _, v := range exampleSecrets {
		if s := strings.TrimSpace(v); strings.Contains(out.String(), s) {
			t.Errorf("secret %q printed", s)
		}
	}
	if !strings.Contains(out.String(), `"Password":"set"`) {
		t.Errorf("JSON should say set: %s", js)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
