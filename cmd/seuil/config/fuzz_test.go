package config

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the loader: it must never panic, and
// must return either a config or a non-empty Problems list.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/seuil.example.yaml"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{base, "", "~", "- a", "redis: {addrs: *x}", "a: &x [*x]", "server:\n  public_url: [", "oidc: {clients: [{id: a, secret_file: /x}]}"} {
		f.Add([]byte(s))
	}
	w := exampleWorld().loader()
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := w.parse("fuzz.yaml", "/etc/seuil", data)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("config %v and error %v", cfg != nil, err)
		}
		var ps Problems
		if err != nil && (!errors.As(err, &ps) || len(ps) == 0) {
			t.Fatalf("error is not a Problems list: %v", err)
		}
	})
}
