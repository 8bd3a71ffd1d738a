package config

import (
	"fmt"

	"github.com/seuil-idp/seuil/idp/provider/keys"
)

// checkKeys reads each signing key file with the provider's own parser, so
// that check-config catches a missing mount or a wrong key type, and
// fills in each key's algorithm.
func (l loader) checkKeys(o *OIDC, r *report) {
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
