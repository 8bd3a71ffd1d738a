package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.9.9.9/realms/x", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8180/realms/demo", true},
		{"http://10.0.0.1:8080", false},
		{"https://192.168.1.10", false},
		{"https://[2001:db8::1]/", false},
		{"https://idp.invalid/", false}, // cannot be resolved: refused, not assumed
		{"/relative", false},
	} {
		err := checkLoopback(context.Background(), tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%s) = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}

func TestParseOptions(t *testing.T) {
	t.Parallel()
	base := "--issuer http://127.0.0.1:8080 --client-id c --redirect-uri http://127.0.0.1:9/cb"
	for _, tc := range []struct {
		args, wantErr string
		wantScenarios int
	}{
		{args: base, wantScenarios: 1},
		{args: base + " --scenario discovery,jwks", wantScenarios: 2},
		{args: base + " --scenario all --username u --password p", wantScenarios: len(oidcScenarios())},
		{args: base + " --scenario code", wantErr: "--username and --password are required"},
		{args: base + " --scenario nope", wantErr: `--scenario "nope"`},
		{args: "--client-id c", wantErr: "--issuer, --client-id and --redirect-uri are required"},
		{args: base + " --concurrency 0", wantErr: "--concurrency must be ≥ 1"},
		{args: base + " extra", wantErr: `unexpected argument "extra"`},
	} {
		o, err := parseOptions(strings.Fields(tc.args), io.Discard)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: err = %v, want %q", tc.args, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || len(o.scenarios) != tc.wantScenarios):
			t.Errorf("%s: %d scenarios, err %v; want %d", tc.args, len(o.scenarios), err, tc.wantScenarios)
		}
	}
}

func TestRefusesRemoteTargetBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	var out, errOut strings.Builder
	code := runMain(context.Background(), strings.Fields("--issuer http://192.0.2.1 --client-id c --redirect-uri http://x/cb"), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "--allow-remote") {
		t.Errorf("exit %d, stderr %q: want 1 and a hint at --allow-remote", code, errOut.String())
	}
}
