package keys_test

import (
	"strings"
	"testing"

	"github.com/seuil-idp/seuil/idp/provider/keys"
)

const ecPublic = `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"`

func TestParseClientJWKS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, raw, err string }{
		{"public, no use", `{"keys":[` + ecPublic + `}]}`, ""},
		{"private", `{"keys":[` + ecPublic + `,"d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}]}`, "is a private key"},
		{"encryption only", `{"keys":[` + ecPublic + `,"use":"enc"}]}`, "no signing key"},
		{"empty", `{"keys":[]}`, "no signing key"},
		{"not json", `-----BEGIN PUBLIC KEY-----`, "not a JWK Set"},
	} {
		set, err := keys.ParseClientJWKS([]byte(tc.raw))
		switch {
		case tc.err == "" && (err != nil || len(set.Keys) != 1 || set.Keys[0].Use != "sig"):
			t.Errorf("%s: %v %+v", tc.name, err, set)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
		}
	}
}

// FuzzParseClientJWKS: a jwks_uri answer is untrusted input.
func FuzzParseClientJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[` + ecPublic + `}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		set, err := keys.ParseClientJWKS(raw)
		if err != nil {
			return
		}
		for _, k := range set.Keys {
			if !k.IsPublic() || k.Use != "sig" {
				t.Fatalf("accepted key %+v", k)
			}
		}
	})
}
