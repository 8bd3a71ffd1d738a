package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestHelmChartConfig renders charts/seuil's ConfigMap with its default
// values and loads the seuil.yaml it holds, so that the chart and this
// package cannot drift apart. It needs the helm binary: .ci/run installs
// it, so under CI its absence is a failure; elsewhere the test is skipped.
func TestHelmChartConfig(t *testing.T) {
	helm := helmOrSkip(t)
	t.Parallel()
	chart := filepath.Join("..", "..", "..", "charts", "seuil")
	out, err := exec.Command(helm, "template", "r", chart, "--kube-version", "1.31.0",
		"--show-only", "templates/configmap.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, out)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(out, &cm); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, name := range []string{"redis-password", "ldap-bind-password", "apogee-dsn", "smtp-password", "sms-api-key", "client-pjweb", "client-ent", "oidc-secret"} {
		files["/run/secrets/seuil/"+name] = "v-" + name + "-32-characters-at-least-for-hmac"
	}
	cfg, probs := parseWith(t, fakeWorld{files: files, env: map[string]string{"SEUIL_OIDC_SECRET": ""}}, cm.Data["seuil.yaml"])
	if probs != nil {
		t.Fatalf("the chart's seuil.yaml does not validate:\n%s\n%s", lines(probs), cm.Data["seuil.yaml"])
	}
	if cfg.Server.Addr != ":8080" || cfg.OIDC.KeysDir != "/run/secrets/seuil-keys" || cfg.Redis.MasterName != "seuil" {
		t.Errorf("chart overlay not applied: addr %q keys_dir %q master %q", cfg.Server.Addr, cfg.OIDC.KeysDir, cfg.Redis.MasterName)
	}
}

// The chart runs seuil remind daily by default, with the command's own
// flags, and its schema refuses a language the command does not know.
func TestHelmChartRemind(t *testing.T) {
	helm := helmOrSkip(t)
	t.Parallel()
	chart := filepath.Join("..", "..", "..", "charts", "seuil")
	out, err := exec.Command(helm, "template", "r", chart, "--kube-version", "1.31.0",
		"--show-only", "templates/cronjob-remind.yaml", "--set", "remind.lang=en").CombinedOutput()
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, out)
	}
	var cj struct {
		Spec struct {
			Schedule    string `yaml:"schedule"`
			Concurrency string `yaml:"concurrencyPolicy"`
			Job         struct {
				Spec struct {
					Template struct {
						Spec struct {
							Containers []struct {
								Args []string `yaml:"args"`
							} `yaml:"containers"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			} `yaml:"jobTemplate"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(out, &cj); err != nil {
		t.Fatal(err)
	}
	cs := cj.Spec.Job.Spec.Template.Spec.Containers
	if cj.Spec.Schedule != "0 9 * * *" || cj.Spec.Concurrency != "Forbid" || len(cs) != 1 ||
		strings.Join(cs[0].Args, " ") != "remind --config /etc/seuil/seuil.yaml --lang en" {
		t.Errorf("remind CronJob: %+v\n%s", cj, out)
	}
	if out, err := exec.Command(helm, "template", "r", chart, "--kube-version", "1.31.0",
		"--set", "remind.lang=de").CombinedOutput(); err == nil || !strings.Contains(string(out), "/remind/lang") {
		t.Errorf("remind.lang=de accepted: %v\n%s", err, out)
	}
}

// helmOrSkip returns the helm binary. .ci/run installs it, so under CI
// its absence is a failure; elsewhere the test is skipped.
func helmOrSkip(t *testing.T) string {
	t.Helper()
	helm, err := exec.LookPath("helm")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("helm is not installed (.ci/run installs it)")
		}
		t.Skip("helm is not installed")
	}
	return helm
}

// The chart renders as an admin first tries it, with no flag (helm's
// default Kubernetes version) and for the versions it supports, and
// passes helm lint --strict.
func TestHelmChartRendersAndLints(t *testing.T) {
	helm := helmOrSkip(t)
	t.Parallel()
	chart := filepath.Join("..", "..", "..", "charts", "seuil")
	for _, args := range [][]string{
		{"template", "r", chart},
		{"template", "r", chart, "--kube-version", "1.25.0"},
		{"template", "r", chart, "--kube-version", "1.31.0", "--set", "sync.enabled=true"},
		{"lint", "--strict", chart},
	} {
		out, err := exec.Command(helm, args...).CombinedOutput()
		if err != nil || strings.Contains(string(out), "[WARNING]") || strings.Contains(string(out), "[ERROR]") {
			t.Errorf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
