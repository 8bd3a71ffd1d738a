package main

import (
	"reflect"
	"testing"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
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
