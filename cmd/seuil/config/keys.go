package config

import (
	"fmt"

	"github.com/seuil-idp/seuil/idp/provider/keys"
)

// checkKeys reads each signing key file with the provider's own parser, so
// that check-config catches a missing mount or a wrong key type, and
// fills in each key's algorithm.
func (l loader) checkKeys(o *OIDC, r *report) {
	l.readClientJWKS(o, r)
	for i := range o.Keys {
		k := &o.Keys[i]
		p := fmt.Sprintf("oidc.keys[%d]", i)
		if k.File == "" {
			continue // reported as required
		}
		raw, err := l.readFile(k.File)
		if err != nil {
			r.add(p+".file", "cannot read %s: %v", k.File, unwrapPath(err))
			continue
		}
		key, err := keys.FromPEM(raw)
		if err != nil {
			r.add(p+".file", "%s: %v", k.File, err)
			continue
		}
		switch {
		case k.Alg == "":
			k.Alg = key.Alg
		case k.Alg != key.Alg && (k.Alg == "ES256" || k.Alg == "RS256"):
			r.add(p+".alg", "%s, but %s holds an %s key", k.Alg, k.File, key.Alg)
		}
	}
}

// readClientJWKS reads each client's jwks_file into its JWKS, so that the
// provider gets the keys inline, and checks every JWK Set with the
// provider's parser (public keys only, at least one signing key).
func (l loader) readClientJWKS(o *OIDC, r *report) {
	for i := range o.Clients {
		c := &o.Clients[i]
		p := fmt.Sprintf("oidc.clients[%d]", i)
		if c.JWKSFile != "" {
			raw, err := l.readFile(c.JWKSFile)
			switch {
			case err != nil:
				r.add(p+".jwks_file", "cannot read %s: %v", c.JWKSFile, unwrapPath(err))
				continue
			case c.JWKS != "":
				r.add(p+".jwks_file", "set jwks or jwks_file, not both")
				continue
			}
			if _, err := keys.ParseClientJWKS(raw); err != nil {
				r.add(p+".jwks_file", "%s: %v", c.JWKSFile, err)
				continue
			}
			c.JWKS = string(raw)
		} else if c.JWKS != "" {
			if _, err := keys.ParseClientJWKS([]byte(c.JWKS)); err != nil {
				r.add(p+".jwks", "%v", err)
			}
		}
	}
}
