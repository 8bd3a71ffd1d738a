package config

import (
	"slices"
	"strings"
	"testing"
)

func TestPasskeysSection(t *testing.T) {
	t.Parallel()
	const key = "staff:\n  credentials_key: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"
	for _, c := range []struct {
		name, text string
		want       string // "" valid
	}{
		{"on, with the key, on a host name", "passkeys: {enabled: true}\n" + key, ""},
		{"off needs nothing", "passkeys: {enabled: false}\n", ""},
		{"without the key", "passkeys: {enabled: true}\n", "passkeys.enabled: needs staff.credentials_key"},
		{"a key of the wrong size", "passkeys: {enabled: true}\nstaff:\n  credentials_key: c2hvcnQ=\n", "staff.credentials_key: must be 32 bytes"},
		{"on an IP address", "server:\n  public_url: https://192.0.2.10\npasskeys: {enabled: true}\n" + key,
			"passkeys.enabled: server.public_url's host 192.0.2.10 is an IP address"},
	} {
		cfg, probs := parseWith(t, fakeWorld{}, doc(c.text))
		switch {
		case c.want == "" && probs != nil:
			t.Errorf("%s: %v", c.name, probs)
		case c.want == "" && strings.Contains(c.text, "enabled: true") && !cfg.Passkeys.Enabled:
			t.Errorf("%s: not enabled", c.name)
		case c.want != "" && !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, c.want) }):
			t.Errorf("%s: problems %v lack %q", c.name, probs, c.want)
		}
	}
}

func TestSMSPrice(t *testing.T) {
	t.Parallel()
	cfg, probs := parseWith(t, fakeWorld{}, doc("sms:\n  outbox: true\n  price_per_sms: 0.045\n"))
	if probs != nil || cfg.SMS.PricePerSMS != 0.045 {
		t.Errorf("price_per_sms 0.045: %v, %v", probs, cfg)
	}
	_, probs = parseWith(t, fakeWorld{}, doc("sms:\n  outbox: true\n  price_per_sms: -1\n"))
	if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, "sms.price_per_sms: -1 is not a price") }) {
		t.Errorf("price_per_sms -1: %v", probs)
	}
}
