package provider

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// authMethods are the token_endpoint_auth_method values Seuil accepts.
var authMethods = []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}

// assertionAlgs are the algorithms a private_key_jwt assertion may use.
var assertionAlgs = []string{"RS256", "PS256", "ES256"}

var knownScopes = []string{"openid", "profile", "email", "offline_access"}

// checkAuth checks the client's authentication method against its
// credentials: a secret for the client_secret methods, keys for
// private_key_jwt, nothing for a public client.
func checkAuth(bad func(string, string, ...any), k string, cl ClientConfig) {
	m := cl.TokenEndpointAuthMethod
	switch {
	case !slices.Contains(authMethods, m):
		bad(k+".token_endpoint_auth_method", "%q: must be one of %s", m, strings.Join(authMethods, ", "))
	case cl.Public != (m == "none"):
		bad(k+".token_endpoint_auth_method", "%q: none is the method of public clients, and theirs only", m)
	case cl.Public && cl.Secret != "":
		bad(k+".secret", "a public client has no secret")
	case m == "private_key_jwt" && cl.Secret != "":
		bad(k+".secret", "a private_key_jwt client has no secret")
	case strings.HasPrefix(m, "client_secret_") && cl.Secret == "":
		bad(k+".secret", "is required for a confidential client (or set public: true)")
	}
	keys := cl.JWKS != "" || cl.JWKSURI != ""
	switch {
	case m == "private_key_jwt" && cl.JWKS != "" && cl.JWKSURI != "":
		bad(k+".jwks", "set jwks or jwks_uri, not both")
	case m == "private_key_jwt" && !keys:
		bad(k+".jwks", "private_key_jwt needs the client's public keys: jwks or jwks_uri")
	case m != "private_key_jwt" && keys:
		bad(k+".jwks", "keys are for token_endpoint_auth_method: private_key_jwt")
	}
	if cl.JWKS != "" {
		if _, err := parseJWKS(cl.JWKS); err != nil {
			bad(k+".jwks", "%v", err)
		}
	}
	if cl.JWKSURI != "" {
		checkURIs(bad, k+".jwks_uri", []string{cl.JWKSURI})
	}
	if a := cl.TokenEndpointAuthSigningAlg; a != "" && !slices.Contains(assertionAlgs, a) {
		bad(k+".token_endpoint_auth_signing_alg", "%q: must be one of %s", a, strings.Join(assertionAlgs, ", "))
	}
}

// checkGrants checks the grant types: known ones, refresh only beside
// the code grant, and client_credentials only for a client that can
// authenticate.
func checkGrants(bad func(string, string, ...any), k string, cl ClientConfig) {
	for j, g := range cl.GrantTypes {
		switch {
		case !slices.Contains(grantTypes, g):
			bad(fmt.Sprintf("%s.grant_types[%d]", k, j), "%q: must be one of %s", g, strings.Join(grantTypes, ", "))
		case g == "client_credentials" && cl.Public:
			bad(fmt.Sprintf("%s.grant_types[%d]", k, j), "client_credentials needs a confidential client")
		case g == "refresh_token" && !cl.usesBrowser():
			bad(fmt.Sprintf("%s.grant_types[%d]", k, j), "refresh_token goes with authorization_code")
		}
	}
	for j, o := range cl.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || !secureURL(u) || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			bad(fmt.Sprintf("%s.allowed_origins[%d]", k, j), "%q is not an origin (https://app.example.org)", o)
		}
	}
}

// origins are the distinct origins (scheme://host[:port]) of uris.
func origins(uris []string) []string {
	var out []string
	for _, raw := range uris {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			o := u.Scheme + "://" + u.Host
			if !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}
