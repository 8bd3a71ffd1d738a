package config

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestSMSProviderShapes loads each provider shape that flows/notify ships
// (and tests against a local server) as sms.http, so that this section and
// notify.HTTPSMSConfig keep the same keys and template language.
func TestSMSProviderShapes(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../../flows/notify/testdata/sms-providers.yaml")
	if err != nil {
		t.Skipf("flows/notify's provider examples are not there: %v", err)
	}
	var providers map[string]map[string]any
	if err := yaml.Unmarshal(data, &providers); err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`secret "([A-Za-z0-9_]+)"`)
	for name, shape := range providers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			secrets := map[string]string{}
			raw, _ := yaml.Marshal(shape)
			for _, m := range names.FindAllStringSubmatch(string(raw), -1) {
				secrets[m[1]+"_file"] = "/run/secrets/seuil/" + m[1]
				env["SEUIL_SMS_HTTP_SECRETS_"+envPart(m[1])] = "v-" + m[1]
			}
			if len(secrets) > 1 { // the others come from the environment alone
				shape["secrets"] = secrets
			}
			section, _ := yaml.Marshal(map[string]any{"sms": map[string]any{"http": shape}})
			cfg, probs := parseWith(t, fakeWorld{env: env}, doc(string(section)))
			if probs != nil {
				t.Fatalf("problems:\n%s\n%s", lines(probs), section)
			}
			for secret := range secrets {
				secret = strings.TrimSuffix(secret, "_file")
				if v, err := cfg.SMS.HTTP.Secret(secret); err != nil || v != "v-"+secret {
					t.Errorf("Secret(%q) = %q, %v", secret, v, err)
				}
			}
		})
	}
}

func TestSMSSecretMap(t *testing.T) {
	t.Parallel()
	text := doc("sms:\n  http:\n    url: https://sms.example\n    body: '{{.Body}}{{secret \"a\"}}{{secret \"b\"}}'\n    content_type: text/plain\n    secrets:\n      a: inline\n      b_file: /b\n")
	cfg, probs := parseWith(t, fakeWorld{files: map[string]string{"/b": "from-file\n"}}, text)
	if probs != nil {
		t.Fatal(lines(probs))
	}
	h := cfg.SMS.HTTP
	if a, _ := h.Secret("a"); a != "inline" {
		t.Errorf("a = %q", a)
	}
	if b, _ := h.Secret("b"); b != "from-file" {
		t.Errorf("b = %q", b)
	}
	if _, err := h.Secret("c"); err == nil || err.Error() != "sms.http.secrets.c is not set (give c_file, or SEUIL_SMS_HTTP_SECRETS_C)" {
		t.Errorf("undefined secret: %v", err)
	}
	_, probs = parseWith(t, fakeWorld{files: map[string]string{"/b": "x"}}, strings.Replace(text, "a: inline", "b: inline", 1))
	want := []string{
		`seuil.yaml:4: sms.http.body: uses {{secret "a"}}, which is not set: give sms.http.secrets.a_file, or SEUIL_SMS_HTTP_SECRETS_A`,
		"seuil.yaml:7: sms.http.secrets.b: set either b or b_file, not both",
	}
	if !slices.Equal(probs, want) {
		t.Errorf("problems:\n%s", lines(probs))
	}
}
