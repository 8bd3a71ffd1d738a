package config

import (
	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/session"
)

// OIDC is the OpenID provider: signing keys, sessions, token lifetimes
// and relying parties.
type OIDC struct {
	Issuer string `yaml:"issuer"` // default server.public_url
	// Secret (at least 32 characters, the same on every replica) keys the
	// HMAC of opaque tokens: secret_file, or SEUIL_OIDC_SECRET.
	Secret Secret `yaml:"secret"`
	// Keys are the signing keys (PEM private keys), read and checked at
	// load. KeysDir instead takes every *.pem in a directory (a mounted
	// Kubernetes Secret); the active key is ActiveKey (a file name in it)
	// or else the last in name order.
	Keys      []SigningKey `yaml:"keys"`
	KeysDir   string       `yaml:"keys_dir" seuil:"path"`
	ActiveKey string       `yaml:"active_key"`
	// Session bounds the SSO session, as Keycloak does by default: it
	// ends after 30 minutes without activity and 10 hours after sign-in
	// whatever the activity (a working day on a shared campus computer);
	// the session package's own settings.
	Session session.Config `yaml:"session"`
	// Lifetimes of issued artefacts (the provider's own settings): access
	// and ID tokens are short (5m), relying parties refresh rather than
	// hold a long bearer token; a refresh token lives no longer than the
	// SSO session (10h).
	Lifetimes provider.Lifetimes `yaml:"lifetimes"`
	Clients   []Client           `yaml:"clients"`
}

// SigningKey is one key file. One key per algorithm is active: the first
// active key listed signs by default, another active key signs for the
// clients that ask for its algorithm; retiring keys stay in the JWKS until
// the tokens they signed have expired. The key ID is the RFC 7638
// thumbprint, stable across replicas.
type SigningKey struct {
	File string `yaml:"file" seuil:"path"`
	// Alg is ES256 (ECDSA P-256) or RS256 (RSA ≥ 2048 bits); taken from
	// the key when omitted, checked against it when given.
	Alg string `yaml:"alg"`
	Use string `yaml:"use"` // active|retiring; default active
}

func (k *SigningKey) setDefaults() { k.Use = "active" }

// Files lists the key files, active ones first in the order listed, as
// idp/provider.KeysConfig wants them (the first one signs by default).
func (o *OIDC) Files() []string {
	var active, rest []string
	for _, k := range o.Keys {
		if k.Use == "active" {
			active = append(active, k.File)
		} else {
			rest = append(rest, k.File)
		}
	}
	return append(active, rest...)
}

// RetiringFiles lists the files of the retiring keys.
func (o *OIDC) RetiringFiles() []string {
	var out []string
	for _, k := range o.Keys {
		if k.Use == "retiring" {
			out = append(out, k.File)
		}
	}
	return out
}

func defaultOIDC() OIDC {
	// One place for each default: the components'.
	return OIDC{Session: session.Defaults(), Lifetimes: provider.DefaultLifetimes()}
}

// Client is one relying party (PJ Web, the ENT…).
type Client struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"` // shown on the login page
	// Secret (or SecretHash, a bcrypt hash of it) authenticates a
	// confidential client; a Public client has neither and must use PKCE.
	Secret                 Secret   `yaml:"secret"`
	SecretHash             string   `yaml:"secret_hash"`
	Public                 bool     `yaml:"public"`
	RedirectURIs           []string `yaml:"redirect_uris"`
	PostLogoutRedirectURIs []string `yaml:"post_logout_redirect_uris"`
	// InitiateLoginURI is where "continue to PJ Web" sends the student at
	// the end of the activation (OIDC Core §4), with iss and login_hint.
	InitiateLoginURI     string   `yaml:"initiate_login_uri"`
	BackchannelLogoutURI string   `yaml:"backchannel_logout_uri"`
	Scopes               []string `yaml:"scopes"`      // default openid profile email
	GrantTypes           []string `yaml:"grant_types"` // default authorization_code refresh_token
	// TokenEndpointAuthMethod is the only method accepted from the
	// client: client_secret_basic (default), client_secret_post,
	// private_key_jwt, or none (a public client's).
	TokenEndpointAuthMethod string `yaml:"token_endpoint_auth_method"`
	// A private_key_jwt client's public keys: JWKS (a JWK Set as JSON),
	// JWKSFile (read at load into JWKS) or JWKSURI (fetched, cached).
	JWKS     string `yaml:"jwks"`
	JWKSFile string `yaml:"jwks_file" seuil:"path"`
	JWKSURI  string `yaml:"jwks_uri"`
	// TokenEndpointAuthSigningAlg is the alg of its assertions: RS256
	// (default), PS256 or ES256.
	TokenEndpointAuthSigningAlg string `yaml:"token_endpoint_auth_signing_alg"`
	// LandingURI is where the RP sends the student once signed in after
	// the activation (target_link_uri); default the origin of its first
	// redirect URI.
	LandingURI               string `yaml:"landing_uri"`
	IDTokenSignedResponseAlg string `yaml:"id_token_signed_response_alg"` // default RS256 (OIDC Core §3.1.3.7)
	Theme                    string `yaml:"theme"`                        // default flows.theme
	// Claims adds claims to the ID token and userinfo: claim name →
	// directory attribute (e.g. supannEtuId).
	Claims map[string]string `yaml:"claims"`
	// Native: an app on the user's device (RFC 8252); its loopback
	// redirect URIs match on any port.
	Native bool `yaml:"native"`
	// PKCEOptional exempts a legacy relying party from PKCE, which is
	// otherwise required of every client (logged at start).
	PKCEOptional bool `yaml:"pkce_optional"`
	// AllowedOrigins may call the token endpoints from a browser (CORS);
	// default: a public client's redirect URI origins, else none.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// ResourceServer may introspect every client's tokens (an API).
	ResourceServer bool `yaml:"resource_server"`
}

func (c *Client) setDefaults() {
	c.Scopes = []string{"openid", "profile", "email"}
	c.GrantTypes = []string{"authorization_code", "refresh_token"}
}

// Limits are the rate limits of idp/regulation, each checked in Redis
// (GCRA), each the regulation package's own Limit (rate, per, burst;
// burst defaults to rate when rate is given). A rule left out keeps
// regulation.Defaults, whose comments say why each number is what it is.
type Limits struct {
	IdentifyPerIP        regulation.Limit `yaml:"identify_per_ip"`
	IdentifyPerStudent   regulation.Limit `yaml:"identify_per_student"`
	IdentifyPerStudentIP regulation.Limit `yaml:"identify_per_student_ip"`
	CodeSendPerPhone     regulation.Limit `yaml:"code_send_per_phone"`
	CodeSendPerIP        regulation.Limit `yaml:"code_send_per_ip"`
	CodeSendPerStudent   regulation.Limit `yaml:"code_send_per_student"`
	CodeVerifyPerStudent regulation.Limit `yaml:"code_verify_per_student"`
	LoginPerIP           regulation.Limit `yaml:"login_per_ip"`
	LoginPerAccount      regulation.Limit `yaml:"login_per_account"`
	LoginPerAccountIP    regulation.Limit `yaml:"login_per_account_ip"`
	FlowStartPerIP       regulation.Limit `yaml:"flow_start_per_ip"`
	StaffFactor          regulation.Limit `yaml:"staff_factor_per_account"`
}

// Regulation returns the limits as idp/regulation's rules: each key is
// the rule's name, so no mapping can drop one.
func (l Limits) Regulation() regulation.Rules {
	out := regulation.Rules{}
	names, rates := l.rules()
	for i, name := range names {
		out[regulation.Rule(name)] = *rates[i]
	}
	return out
}

// defaultLimits are regulation.Defaults, so that one place decides them.
func defaultLimits() Limits {
	var l Limits
	names, rules := l.rules()
	defaults := regulation.Defaults()
	for i, name := range names {
		*rules[i] = defaults[regulation.Rule(name)]
	}
	return l
}
