// Package provider is Seuil's OpenID Connect provider: fosite composed for
// the authorization code flow with PKCE, refresh token rotation, token
// revocation and introspection, RP-initiated and back-channel logout, with
// clients from configuration, signing keys from PEM files, and every
// artefact in Redis. It serves the sign-in page (idp/session) and hands
// browsers to the self-service flows through state.Handover tickets.
package provider

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/idp/session"
)

// Config is the provider's configuration. Its Lifetimes and Session are
// decoded from the file's oidc section as they are; the rest is mapped
// from it (secrets, key files and clients go through the config package).
type Config struct {
	// Issuer is the public URL, e.g. "https://idp.univ.fr/seuil"; every
	// endpoint is published under it, never under the request's Host.
	Issuer string
	// Secret (≥ 32 bytes) keys the HMAC of opaque tokens; all replicas
	// share it.
	Secret  string
	Keys    KeysConfig
	Clients []ClientConfig
	// Lifetimes are the file's oidc.lifetimes, decoded into this type.
	Lifetimes `yaml:"lifetimes"`
	Session   session.Config `yaml:"session"`
	// FlowsPath is the public path prefix of the self-service flows
	// (default: the issuer's path).
	FlowsPath string
	// ConsolePath is the staff console's prefix ("/seuil/admin/"), where
	// the sign-in page may return (?next=); empty: nowhere.
	ConsolePath string
	// PasskeysPath ("/seuil/passkeys") turns on the passkey offer on the
	// sign-in page; AccountPath is "Mon compte", a page the sign-in may
	// return to.
	PasskeysPath, AccountPath string
	// StaticPath is the public path prefix of theme static files
	// (default: issuer path + "/static").
	StaticPath string
	// BackchannelTimeout bounds each logout token POST (default 5 s).
	BackchannelTimeout time.Duration
	// LoginPattern is the form of students' logins ("{student_id}T", the
	// default): the sign-in page takes "22012345t" as 22012345T and tells
	// a student who typed the bare number what a login looks like.
	LoginPattern string
}

// KeysConfig names the signing keys: PEM files, the first one signing, or
// a directory of *.pem (see keys.Dir). A client whose algorithm is not
// the first key's is signed for by the newest other key of its algorithm
// (listed last) that is not Retiring (see keys.Set.For).
type KeysConfig struct {
	Files    []string `yaml:"files"`
	Retiring []string `yaml:"retiring"` // among Files
	Dir      string   `yaml:"dir"`
	Active   string   `yaml:"active"`
	Generate bool     `yaml:"generate"` // demo: create a key in Dir if none
}

// ClientConfig is one relying party.
type ClientConfig struct {
	ID string `yaml:"id"`
	// Name is shown on the sign-in page ("to continue to PJ Web").
	Name string `yaml:"name"`
	// Secret: a bcrypt hash ("$2…") or, discouraged, the plain secret.
	Secret                 string   `yaml:"secret"`
	Public                 bool     `yaml:"public"`
	RedirectURIs           []string `yaml:"redirect_uris"`
	PostLogoutRedirectURIs []string `yaml:"post_logout_redirect_uris"`
	Scopes                 []string `yaml:"scopes"`
	InitiateLoginURI       string   `yaml:"initiate_login_uri"`
	// LandingURI is the target_link_uri of LandingURL: the page of the
	// client the student should reach after the activation (default the
	// origin of the first redirect URI).
	LandingURI           string `yaml:"landing_uri"`
	BackchannelLogoutURI string `yaml:"backchannel_logout_uri"`
	Theme                string `yaml:"theme"`
	// Claims adds claims from the account: claim name → account field
	// (login, student_id, ine, email, mobile, first_name, last_name) or
	// "=value" for a constant (eduPersonAffiliation: "=student").
	Claims map[string]string `yaml:"claims"`
	// SigningAlg of ID tokens: RS256 (the default, as OpenID Connect
	// Core §3.1.3.7 says: relying party libraries assume it) or ES256.
	SigningAlg string `yaml:"id_token_signed_response_alg"`
	algSet     bool   // SigningAlg was configured, not defaulted
	// TokenEndpointAuthMethod is the one way the client authenticates at
	// the token, revocation and introspection endpoints:
	// client_secret_basic (default), client_secret_post, private_key_jwt
	// (RFC 7523, OIDC Core §9) or none (a public client's, and its only).
	TokenEndpointAuthMethod string `yaml:"token_endpoint_auth_method"`
	// JWKS (a JWK Set as JSON) or JWKSURI (fetched, cached) holds the
	// public keys of a private_key_jwt client.
	JWKS    string `yaml:"jwks"`
	JWKSURI string `yaml:"jwks_uri"`
	// TokenEndpointAuthSigningAlg is the alg of its assertions: RS256
	// (default), PS256 or ES256.
	TokenEndpointAuthSigningAlg string `yaml:"token_endpoint_auth_signing_alg"`
	// GrantTypes the client may use: authorization_code, refresh_token
	// (the default, both) and client_credentials (a service calling an
	// API on its own behalf; no redirect URI needed then).
	GrantTypes []string `yaml:"grant_types"`
	// Native marks an app on the user's device (RFC 8252): a redirect URI
	// registered on a loopback IP literal then matches on any port.
	Native bool `yaml:"native"`
	// PKCEOptional lets a legacy relying party that cannot send a PKCE
	// challenge sign in without one; PKCE is otherwise required of every
	// client (RFC 9700 §2.1.1). Logged at start.
	PKCEOptional bool `yaml:"pkce_optional"`
	// AllowedOrigins may call the token, userinfo, revocation and
	// introspection endpoints from a browser (CORS). A public client's
	// default is the origins of its redirect URIs; a confidential one's is
	// none (its secret does not belong in a browser).
	AllowedOrigins []string `yaml:"allowed_origins"`
	// ResourceServer lets the client introspect tokens issued to any
	// client (an API checking the tokens its callers send); others learn
	// about their own tokens only.
	ResourceServer bool `yaml:"resource_server"`
}

// grantTypes are the grants Seuil offers.
var grantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}

// usesBrowser reports whether the client signs users in (and so needs
// redirect URIs).
func (c ClientConfig) usesBrowser() bool { return slices.Contains(c.GrantTypes, "authorization_code") }

// defaultSigningAlg signs the ID tokens of clients that registered no
// id_token_signed_response_alg (OpenID Connect Core §3.1.3.7, Dynamic
// Client Registration §2).
const defaultSigningAlg = "RS256"

// The lifetimes a deployment gets when it sets none: the provider's own
// defaults, which the configuration file's take (one place for each).
// A code is exchanged within seconds; an access token lives as long as a
// page's use of it; a refresh token no longer than a day's session.
const (
	DefaultCodeTTL         = time.Minute
	DefaultAccessTokenTTL  = 5 * time.Minute
	DefaultRefreshTokenTTL = 10 * time.Hour
	DefaultIDTokenTTL      = 5 * time.Minute
)

// Lifetimes bound each issued artefact; zero picks the default in
// brackets. The tags are the keys of the file's oidc.lifetimes.
type Lifetimes struct {
	CodeTTL         time.Duration `yaml:"authorization_code"` // DefaultCodeTTL
	AccessTokenTTL  time.Duration `yaml:"access_token"`       // DefaultAccessTokenTTL
	RefreshTokenTTL time.Duration `yaml:"refresh_token"`      // DefaultRefreshTokenTTL
	IDTokenTTL      time.Duration `yaml:"id_token"`           // DefaultIDTokenTTL
}

// DefaultLifetimes are the lifetimes of a deployment that sets none.
func DefaultLifetimes() Lifetimes {
	return Lifetimes{CodeTTL: DefaultCodeTTL, AccessTokenTTL: DefaultAccessTokenTTL,
		RefreshTokenTTL: DefaultRefreshTokenTTL, IDTokenTTL: DefaultIDTokenTTL}
}

func (c *Config) defaults() {
	c.Issuer = strings.TrimSuffix(c.Issuer, "/")
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.CodeTTL, DefaultCodeTTL)
	def(&c.AccessTokenTTL, DefaultAccessTokenTTL)
	def(&c.RefreshTokenTTL, DefaultRefreshTokenTTL)
	def(&c.IDTokenTTL, DefaultIDTokenTTL)
	def(&c.BackchannelTimeout, 5*time.Second)
	if c.LoginPattern == "" {
		c.LoginPattern = "{student_id}T"
	}
	if u, err := url.Parse(c.Issuer); err == nil {
		if c.FlowsPath == "" {
			c.FlowsPath = u.Path
		}
		if c.StaticPath == "" {
			c.StaticPath = u.Path + "/static"
		}
	}
	for i := range c.Clients {
		cl := &c.Clients[i]
		if cl.TokenEndpointAuthMethod == "" {
			cl.TokenEndpointAuthMethod = "client_secret_basic"
			if cl.Public {
				cl.TokenEndpointAuthMethod = "none"
			}
		}
		if cl.TokenEndpointAuthMethod == "private_key_jwt" && cl.TokenEndpointAuthSigningAlg == "" {
			cl.TokenEndpointAuthSigningAlg = "RS256"
		}
		if len(cl.Scopes) == 0 {
			cl.Scopes = []string{"openid", "profile", "email", "offline_access"}
		}
		if len(cl.GrantTypes) == 0 {
			cl.GrantTypes = []string{"authorization_code", "refresh_token"}
		}
		if len(cl.AllowedOrigins) == 0 && cl.Public {
			cl.AllowedOrigins = origins(cl.RedirectURIs)
		}
		cl.algSet = cl.SigningAlg != ""
		if !cl.algSet {
			cl.SigningAlg = defaultSigningAlg
		}
	}
}

// Validate checks the configuration; each message names its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, a ...any) { errs = append(errs, fmt.Errorf(key+": "+format, a...)) }
	if u, err := url.Parse(c.Issuer); err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || !secureURL(u) {
		bad("issuer", "%q must be an absolute https URL without query or fragment (http allowed only for loopback)", c.Issuer)
	}
	if len(c.Secret) < 32 {
		bad("secret", "must be at least 32 characters")
	}
	if len(c.Keys.Files) == 0 && c.Keys.Dir == "" {
		bad("keys", "set files or dir")
	}
	seen := map[string]bool{}
	for i, cl := range c.Clients {
		k := fmt.Sprintf("clients[%d]", i)
		if cl.ID == "" {
			bad(k+".id", "is required")
		} else if seen[cl.ID] {
			bad(k+".id", "%q is used by another client", cl.ID)
		}
		seen[cl.ID] = true
		checkAuth(bad, k, cl)
		checkGrants(bad, k, cl)
		if len(cl.RedirectURIs) == 0 && cl.usesBrowser() {
			bad(k+".redirect_uris", "at least one is required")
		}
		checkURIs(bad, k+".redirect_uris", cl.RedirectURIs)
		checkURIs(bad, k+".post_logout_redirect_uris", cl.PostLogoutRedirectURIs)
		for j, u := range []string{cl.InitiateLoginURI, cl.BackchannelLogoutURI, cl.LandingURI} {
			if u != "" {
				checkURIs(bad, k+"."+[]string{"initiate_login_uri", "backchannel_logout_uri", "landing_uri"}[j], []string{u})
			}
		}
		for j, s := range cl.Scopes {
			if !slices.Contains(knownScopes, s) {
				bad(fmt.Sprintf("%s.scopes[%d]", k, j), "unknown scope %q (known: %s)", s, strings.Join(knownScopes, ", "))
			}
		}
		if cl.SigningAlg != "" && cl.SigningAlg != "ES256" && cl.SigningAlg != "RS256" {
			bad(k+".id_token_signed_response_alg", "%q: must be ES256 or RS256", cl.SigningAlg)
		}
		for name, field := range cl.Claims {
			if _, ok := accountFields[field]; !ok && !strings.HasPrefix(field, "=") {
				bad(k+".claims."+name, "unknown account field %q", field)
			}
		}
	}
	return errors.Join(errs...)
}

func checkURIs(bad func(string, string, ...any), key string, uris []string) {
	for j, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || !secureURL(u) {
			bad(fmt.Sprintf("%s[%d]", key, j), "must be an absolute https URL without fragment (http allowed only for loopback)")
		}
	}
}

// secureURL accepts https, and http only on loopback (the demo, native apps).
func secureURL(u *url.URL) bool {
	if u.Scheme == "https" {
		return true
	}
	if u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
