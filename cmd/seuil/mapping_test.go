package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/state"
)

// Every client setting of the oidc section reaches the provider: a key
// that is validated and then dropped (grant_types was) is a silent bug.
func TestProviderConfigCarriesClientSettings(t *testing.T) {
	cfg := &config.Config{}
	cfg.Sync.LoginPattern = "{studentID}E"
	cfg.Server.CookieSecure = true
	cfg.OIDC.Clients = []config.Client{{
		ID: "api", GrantTypes: []string{"client_credentials"}, Native: true, PKCEOptional: true,
		AllowedOrigins: []string{"https://a.univ.fr"}, ResourceServer: true, IDTokenSignedResponseAlg: "ES256",
		Scopes: []string{"profile"}, LandingURI: "https://a.univ.fr/", Theme: "univ",
	}}
	pc := providerConfig(cfg)
	got := pc.Clients[0]
	for name, pair := range map[string][2]any{
		"grant_types":                  {got.GrantTypes, []string{"client_credentials"}},
		"native":                       {got.Native, true},
		"pkce_optional":                {got.PKCEOptional, true},
		"allowed_origins":              {got.AllowedOrigins, []string{"https://a.univ.fr"}},
		"resource_server":              {got.ResourceServer, true},
		"id_token_signed_response_alg": {got.SigningAlg, "ES256"},
		"scopes":                       {got.Scopes, []string{"profile"}},
		"landing_uri":                  {got.LandingURI, "https://a.univ.fr/"},
		"theme":                        {got.Theme, "univ"},
		"sync.login_pattern":           {pc.LoginPattern, "{studentID}E"},
		"server.cookie_secure":         {pc.Session.Cookies.Secure, true},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s: provider gets %v, want %v", name, pair[0], pair[1])
		}
	}
}

// The flows and seuil sync make logins one way: a flow whose done step
// builds them otherwise than sync.login_pattern refuses to start, naming
// both; the old {studentID} spelling is the same pattern.
func TestOneLoginPattern(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := "name: activation\nentry: direct\ntheme: default\nsteps:\n  - type: identify\n  - type: verify\n  - type: password\n  - type: done\n    login: '{student_id}X'\n"
	writeFile(t, filepath.Join(dir, "activation.yaml"), def)
	for _, c := range []struct {
		sync string
		ok   bool
	}{{"{student_id}X", true}, {"{studentID}X", true}, {"{studentID}T", false}} {
		e := func(cfg *config.Config) {
			cfg.Flows.Dir = dir
			cfg.Sync.LoginPattern = c.sync
		}
		err := buildDemoErr(t, e)
		switch {
		case c.ok && err != nil:
			t.Errorf("sync %q: %v", c.sync, err)
		case !c.ok && (err == nil || !strings.Contains(err.Error(), `"{student_id}X"`) || !strings.Contains(err.Error(), `"{student_id}T"`)):
			t.Errorf("sync %q: %v, want a refusal naming both patterns", c.sync, err)
		}
	}
}

// buildDemoErr builds the demo's app with its configuration changed and
// returns the error build gives.
func buildDemoErr(t *testing.T, mutate func(*config.Config)) error {
	t.Helper()
	dir := t.TempDir()
	cfgPath, _, err := writeDemoFiles(dir, "127.0.0.1:1", "127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	mutate(cfg)
	rdb, stop, err := state.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	a, err := build(context.Background(), cfg, buildOptions{redis: rdb, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), demo: true})
	if err == nil {
		a.close()
	}
	return err
}

// The lifetimes and session keys reach the provider, each its own value;
// and a file that sets none gives the components' own defaults, not
// numbers of the configuration package's (5m, 10m and 24h once lived in
// the provider while the file said 1m, 5m and 10h).
func TestProviderConfigCarriesLifetimes(t *testing.T) {
	cfg := config.Default()
	pc := providerConfig(cfg)
	for name, pair := range map[string][2]time.Duration{
		"authorization_code default": {pc.CodeTTL, provider.DefaultCodeTTL},
		"access_token default":       {pc.AccessTokenTTL, provider.DefaultAccessTokenTTL},
		"refresh_token default":      {pc.RefreshTokenTTL, provider.DefaultRefreshTokenTTL},
		"id_token default":           {pc.IDTokenTTL, provider.DefaultIDTokenTTL},
		"idle_timeout default":       {pc.Session.IdleTimeout, session.DefaultIdleTimeout},
		"absolute_timeout default":   {pc.Session.AbsoluteTimeout, session.DefaultAbsoluteTimeout},
		"announce_for default":       {pc.Session.AnnounceFor, session.DefaultAnnounceFor},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s: %v, the component's is %v", name, pair[0], pair[1])
		}
	}
	o := &cfg.OIDC
	o.Lifetimes.CodeTTL, o.Lifetimes.AccessTokenTTL = 2*time.Minute, 3*time.Minute
	o.Lifetimes.RefreshTokenTTL, o.Lifetimes.IDTokenTTL = 4*time.Hour, 6*time.Minute
	o.Session.IdleTimeout, o.Session.AbsoluteTimeout = 7*time.Minute, 8*time.Hour
	o.Session.AnnounceFor = 9 * time.Hour
	pc = providerConfig(cfg)
	got := []time.Duration{pc.CodeTTL, pc.AccessTokenTTL, pc.RefreshTokenTTL, pc.IDTokenTTL,
		pc.Session.IdleTimeout, pc.Session.AbsoluteTimeout, pc.Session.AnnounceFor}
	want := []time.Duration{2 * time.Minute, 3 * time.Minute, 4 * time.Hour, 6 * time.Minute, 7 * time.Minute, 8 * time.Hour, 9 * time.Hour}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lifetimes reach the provider as %v, want %v", got, want)
	}
}
