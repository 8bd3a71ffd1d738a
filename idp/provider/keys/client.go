package keys

import (
	"encoding/json"
	"errors"
	"fmt"

	josev3 "github.com/go-jose/go-jose/v3"
)

// ParseClientJWKS reads a private_key_jwt client's public keys (a JWK Set
// as JSON, from configuration or its jwks_uri), in the go-jose version
// fosite takes. A private key is refused: it has no business outside the
// client. Keys without "use" are taken as signing keys, as fosite only
// considers keys with use "sig"; encryption keys are dropped.
func ParseClientJWKS(raw []byte) (*josev3.JSONWebKeySet, error) {
	var set josev3.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("not a JWK Set: %w", err)
	}
	out := &josev3.JSONWebKeySet{}
	for i, k := range set.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("key %d (kid %q) is a private key: publish only public keys", i, k.KeyID)
		}
		switch k.Use {
		case "":
			k.Use = "sig"
		case "enc":
			continue
		}
		out.Keys = append(out.Keys, k)
	}
	if len(out.Keys) == 0 {
		return nil, errors.New("the JWK Set holds no signing key")
	}
	return out, nil
}
