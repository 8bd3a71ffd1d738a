package provider_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/seuil-idp/seuil/idp/provider"
)

// What relying party libraries read in discovery, beyond the endpoints
// (TestDiscoveryUnderPrefix): omitted booleans have defaults, and
// request_uri_parameter_supported defaults to true, which Seuil refuses.
func TestDiscoveryMetadata(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *provider.Config) {
		c.Clients[0].Claims = map[string]string{"supannEtuId": "student_id", "email": "email"}
	})
	resp, err := http.Get(e.iss + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := jsonDecode(resp, &doc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, k := range []string{"request_parameter_supported", "request_uri_parameter_supported", "claims_parameter_supported"} {
		if v, ok := doc[k].(bool); !ok || v {
			t.Errorf("%s = %v, want false", k, doc[k])
		}
	}
	has := func(key string, want ...string) {
		list, _ := doc[key].([]any)
		for _, w := range want {
			if !slices.Contains(list, any(w)) {
				t.Errorf("%s = %v, lacks %s", key, list, w)
			}
		}
	}
	has("response_modes_supported", "query", "form_post")
	has("response_types_supported", "code")
	has("subject_types_supported", "public")
	has("id_token_signing_alg_values_supported", "RS256", "ES256")
	has("grant_types_supported", "authorization_code", "refresh_token", "client_credentials")
	has("prompt_values_supported", "none", "login", "consent", "select_account", "create")
	if doc["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("authorization_response_iss_parameter_supported = %v", doc["authorization_response_iss_parameter_supported"])
	}
	has("code_challenge_methods_supported", "S256")
	has("token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post", "none", "private_key_jwt")
	has("claims_supported", "sub", "auth_time", "preferred_username", "email")
	// Claims about the user only: protocol fields are not claims, and one
	// client's mapped claims are not every client's (issue 9, point 13).
	for _, c := range []string{"nonce", "at_hash", "exp", "aud", "supannEtuId"} {
		if list, _ := doc["claims_supported"].([]any); slices.Contains(list, any(c)) {
			t.Errorf("claims_supported lists %s", c)
		}
	}
	has("ui_locales_supported", "fr", "en")
	if list, _ := doc["claims_supported"].([]any); len(list) != len(slices.Compact(slices.Clone(list))) {
		t.Errorf("claims_supported has duplicates: %v", list)
	}
}
