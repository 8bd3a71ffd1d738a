package config

import (
	"slices"
	"testing"
)

func TestKeyFilesOrder(t *testing.T) {
	t.Parallel()
	o := OIDC{Keys: []SigningKey{
		{File: "old.pem", Use: "retiring"}, {File: "es.pem", Use: "active"}, {File: "rs.pem", Use: "active"}, {File: "rs-old.pem", Use: "retiring"},
	}}
	if got := o.Files(); !slices.Equal(got, []string{"es.pem", "rs.pem", "old.pem", "rs-old.pem"}) {
		t.Errorf("Files() = %v", got)
	}
	if got := o.RetiringFiles(); !slices.Equal(got, []string{"old.pem", "rs-old.pem"}) {
		t.Errorf("RetiringFiles() = %v", got)
	}
}

func TestJWKSFileReadAtLoad(t *testing.T) {
	t.Parallel()
	set := `{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	w := fakeWorld{files: map[string]string{"/etc/seuil/batch.jwks": set}}
	cfg, probs := parseWith(t, w, doc("oidc:\n  keys_dir: k\n  clients:\n    - id: batch\n      token_endpoint_auth_method: private_key_jwt\n      jwks_file: batch.jwks\n      redirect_uris: ['https://a/cb']\n"))
	if probs != nil {
		t.Fatal(probs)
	}
	if c := cfg.OIDC.Clients[0]; c.JWKS != set || c.Secret.IsSet() {
		t.Errorf("client %+v", c)
	}
}
