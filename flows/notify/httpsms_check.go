package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// SuccessCheck says how to tell that a provider accepted a message. Many
// providers answer 200 with an error in the body, hence Contains and
// JSONField.
type SuccessCheck struct {
	// StatusMin and StatusMax bound the accepted HTTP status; default
	// 200–299.
	StatusMin int `yaml:"status_min"`
	StatusMax int `yaml:"status_max"`
	// Contains, if set, must appear in the answer.
	Contains string `yaml:"contains"`
	// JSONField, if set, is a dotted path ("status", "result.code",
	// "messages.0.status") into the JSON answer whose value, written as
	// text, must be one of JSONValues.
	JSONField  string   `yaml:"json_field"`
	JSONValues []string `yaml:"json_values"`
}

func (c SuccessCheck) withDefaults() SuccessCheck {
	if c.StatusMin == 0 && c.StatusMax == 0 {
		c.StatusMin, c.StatusMax = 200, 299
	}
	return c
}

func (c SuccessCheck) validate() error {
	var errs []error
	if c.StatusMin < 100 || c.StatusMax > 599 || c.StatusMin > c.StatusMax {
		errs = append(errs, fmt.Errorf("success.status_min, status_max: %d–%d is not a range of HTTP statuses", c.StatusMin, c.StatusMax))
	}
	if (c.JSONField == "") != (len(c.JSONValues) == 0) {
		errs = append(errs, errors.New("success.json_field and success.json_values: set both or neither"))
	}
	return errors.Join(errs...)
}

// check returns why an answer is not a success, without quoting the body.
func (c SuccessCheck) check(status int, body []byte) error {
	if status < c.StatusMin || status > c.StatusMax {
		return fmt.Errorf("answered HTTP %d, want %d–%d", status, c.StatusMin, c.StatusMax)
	}
	if c.Contains != "" && !bytes.Contains(body, []byte(c.Contains)) {
		return fmt.Errorf("answer (HTTP %d) lacks the success marker %q", status, c.Contains)
	}
	if c.JSONField == "" {
		return nil
	}
	got, err := jsonField(body, c.JSONField)
	if err != nil {
		return fmt.Errorf("answer (HTTP %d): %w", status, err)
	}
	if !slices.Contains(c.JSONValues, got) {
		// The field is a status code, not the message: safe to quote.
		return fmt.Errorf("answer (HTTP %d) has %s = %.40q, want one of %q", status, c.JSONField, got, c.JSONValues)
	}
	return nil
}

// jsonField returns the value at a dotted path, as text: strings as they
// are, numbers and booleans as written in JSON.
func jsonField(body []byte, path string) (string, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", errors.New("not JSON")
	}
	for _, step := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			v = node[step]
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(node) {
				return "", fmt.Errorf("no %s", path)
			}
			v = node[i]
		default:
			return "", fmt.Errorf("no %s", path)
		}
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("no %s", path)
}

func templateFuncs(secrets SecretFunc) template.FuncMap {
	if secrets == nil {
		secrets = EnvSecret
	}
	return template.FuncMap{
		"json": func(s string) (string, error) {
			b, err := json.Marshal(s)
			return string(b), err
		},
		"digits": func(s string) string { return strings.TrimPrefix(s, "+") },
		"secret": func(name string) (string, error) { return secrets(name) },
	}
}

// EnvSecret reads a secret from the environment variable name, or from the
// file named by name_FILE (the Docker and Kubernetes convention).
func EnvSecret(name string) (string, error) {
	if v, ok := os.LookupEnv(name); ok {
		return v, nil
	}
	if f, ok := os.LookupEnv(name + "_FILE"); ok {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("secret %s: %w", name, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", fmt.Errorf("secret %s: set the environment variable %s or %s_FILE", name, name, name)
}
