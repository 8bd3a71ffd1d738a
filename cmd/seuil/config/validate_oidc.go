package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

func validateOIDC(c *Config, r *report) {
	o := &c.OIDC
	if o.Issuer != "" && r.has("oidc.issuer") {
		if u := r.webURL("oidc.issuer", o.Issuer); u != nil && (u.RawQuery != "" || strings.HasSuffix(o.Issuer, "/")) {
			r.add("oidc.issuer", "%q must have no query and no trailing slash", o.Issuer)
		}
	}
	if !o.Secret.IsSet() {
		r.add("oidc.secret", "required: at least 32 random characters, the same on every replica (secret_file, or %s)", o.Secret.EnvName())
	} else if len(o.Secret.Value()) < 32 {
		r.add("oidc.secret", "too short (%d characters): at least 32", len(o.Secret.Value()))
	}
	alg := validateKeys(o, r)
	s := o.Session
	r.between("oidc.session.idle_timeout", s.IdleTimeout, time.Minute, 24*time.Hour)
	r.between("oidc.session.absolute_timeout", s.AbsoluteTimeout, 5*time.Minute, 30*24*time.Hour)
	r.between("oidc.session.announce_for", s.AnnounceFor, time.Minute, 7*24*time.Hour)
	if s.IdleTimeout > s.AbsoluteTimeout {
		r.add("oidc.session.idle_timeout", "%s exceeds absolute_timeout (%s)", Duration(s.IdleTimeout), Duration(s.AbsoluteTimeout))
	}
	l := o.Lifetimes
	r.between("oidc.lifetimes.access_token", l.AccessTokenTTL, time.Minute, time.Hour)
	r.between("oidc.lifetimes.id_token", l.IDTokenTTL, time.Minute, time.Hour)
	r.between("oidc.lifetimes.authorization_code", l.CodeTTL, 10*time.Second, 10*time.Minute)
	r.between("oidc.lifetimes.refresh_token", l.RefreshTokenTTL, time.Minute, 90*24*time.Hour)
	if l.RefreshTokenTTL > s.AbsoluteTimeout {
		r.add("oidc.lifetimes.refresh_token", "%s exceeds oidc.session.absolute_timeout (%s): a refresh token must not outlive the sign-in", Duration(l.RefreshTokenTTL), Duration(s.AbsoluteTimeout))
	}
	seen := map[string]int{}
	for i := range o.Clients {
		p := fmt.Sprintf("oidc.clients[%d]", i)
		cl := &o.Clients[i]
		if j, dup := seen[cl.ID]; dup && cl.ID != "" {
			r.add(p+".id", "%q is already the id of oidc.clients[%d]", cl.ID, j)
		}
		seen[cl.ID] = i
		validateClient(p, cl, alg, r)
	}
}

// validateKeys checks the signing keys and returns the algorithms
// available (nil when keys come from keys_dir and are known only at start).
func validateKeys(o *OIDC, r *report) map[string]bool {
	r.exactlyOne("oidc", map[string]bool{"keys": len(o.Keys) > 0, "keys_dir": o.KeysDir != ""})
	if o.ActiveKey != "" && o.KeysDir == "" {
		r.add("oidc.active_key", "only with keys_dir (with keys, mark one use: active)")
	}
	if len(o.Keys) == 0 {
		return nil
	}
	algs, active := map[string]bool{}, map[string]int{}
	for i, k := range o.Keys {
		p := fmt.Sprintf("oidc.keys[%d]", i)
		r.required(p+".file", k.File)
		if k.Alg != "" {
			r.oneOf(p+".alg", k.Alg, "ES256", "RS256")
		}
		r.oneOf(p+".use", k.Use, "active", "retiring")
		if k.Use == "active" {
			active[k.Alg]++
		}
		algs[k.Alg] = true
	}
	if len(active) == 0 {
		r.add("oidc.keys", "one key must be active (use: active)")
	}
	for _, alg := range sortedKeys(active) {
		if active[alg] > 1 {
			r.add("oidc.keys", "at most one active key per algorithm (found %d %s keys active)", active[alg], alg)
		}
	}
	return algs
}

// accountFields are what a claim may take from the account
// (idp/provider's claims mapping).
var accountFields = []string{"login", "student_id", "ine", "email", "mobile", "first_name", "last_name"}

var clientID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func validateClient(p string, c *Client, algs map[string]bool, r *report) {
	if r.required(p+".id", c.ID) && !clientID.MatchString(c.ID) {
		r.add(p+".id", "%q may hold only letters, digits, '.', '_' and '-'", c.ID)
	}
	switch {
	case c.Public && (c.Secret.IsSet() || c.SecretHash != ""):
		r.add(p+".public", "a public client has no secret")
	case !c.Public && c.Secret.IsSet() && c.SecretHash != "":
		r.add(p+".secret_hash", "set either secret or secret_hash, not both")
	case c.TokenEndpointAuthMethod == "private_key_jwt" && (c.Secret.IsSet() || c.SecretHash != ""):
		r.add(p+".secret", "a private_key_jwt client has no secret")
	case !c.Public && !c.Secret.IsSet() && c.SecretHash == "" && c.TokenEndpointAuthMethod != "private_key_jwt":
		r.add(p+".secret", "required for a confidential client (secret_file, %s, or secret_hash; or public: true)", c.Secret.EnvName())
	}
	if c.SecretHash != "" && !strings.HasPrefix(c.SecretHash, "$2") {
		r.add(p+".secret_hash", "must be a bcrypt hash ($2a$…, $2b$…)")
	}
	if len(c.RedirectURIs) == 0 && slices.Contains(c.GrantTypes, "authorization_code") {
		r.add(p+".redirect_uris", "required (for authorization_code)")
	}
	if slices.Contains(c.GrantTypes, "refresh_token") && !slices.Contains(c.GrantTypes, "authorization_code") {
		r.add(p+".grant_types", "refresh_token goes with authorization_code")
	}
	for i, o := range c.AllowedOrigins {
		// https, or http on loopback, as idp/provider requires: what serve
		// refuses, check-config refuses first.
		k := fmt.Sprintf("%s.allowed_origins[%d]", p, i)
		if u := r.webURL(k, o); u != nil && ((u.Path != "" && u.Path != "/") || u.RawQuery != "") {
			r.add(k, "%q is not an origin (e.g. https://app.univ.fr)", o)
		}
	}
	uris := map[string][]string{"redirect_uris": c.RedirectURIs, "post_logout_redirect_uris": c.PostLogoutRedirectURIs}
	for _, k := range sortedKeys(uris) {
		for i, u := range uris[k] {
			r.webURL(fmt.Sprintf("%s.%s[%d]", p, k, i), u)
		}
	}
	for k, u := range map[string]string{"initiate_login_uri": c.InitiateLoginURI, "backchannel_logout_uri": c.BackchannelLogoutURI,
		"landing_uri": c.LandingURI, "jwks_uri": c.JWKSURI} {
		if u != "" {
			r.webURL(p+"."+k, u)
		}
	}
	service := slices.Equal(c.GrantTypes, []string{"client_credentials"}) // signs no user in
	if !slices.Contains(c.Scopes, "openid") && !service {
		r.add(p+".scopes", "must include openid")
	}
	for i, sc := range c.Scopes {
		r.oneOf(fmt.Sprintf("%s.scopes[%d]", p, i), sc, "openid", "profile", "email", "offline_access")
	}
	validateGrants(p, c, r)
	if c.IDTokenSignedResponseAlg == "" && len(algs) > 0 && !algs["RS256"] {
		r.add(p+".id_token_signed_response_alg", "unset means RS256 (OpenID Connect Core §3.1.3.7), and no key in oidc.keys is RS256: add one, or set ES256")
	}
	if a := c.IDTokenSignedResponseAlg; a != "" {
		r.oneOf(p+".id_token_signed_response_alg", a, "ES256", "RS256")
		if algs != nil && !algs[a] && (a == "ES256" || a == "RS256") {
			r.add(p+".id_token_signed_response_alg", "no key in oidc.keys has alg %s", a)
		}
	}
	if !themeName.MatchString(c.Theme) {
		r.add(p+".theme", "%q is not a theme name", c.Theme)
	}
	for _, k := range sortedKeys(c.Claims) {
		if v := c.Claims[k]; !strings.HasPrefix(v, "=") && !slices.Contains(accountFields, v) {
			r.add(p+".claims."+k, "%q is not an account field (%s) nor a constant (\"=value\")", v, strings.Join(accountFields, ", "))
		}
	}
}

func validateGrants(p string, c *Client, r *report) {
	for i, g := range c.GrantTypes {
		gp := fmt.Sprintf("%s.grant_types[%d]", p, i)
		r.oneOf(gp, g, "authorization_code", "refresh_token", "client_credentials")
		if g == "client_credentials" && c.Public {
			r.add(gp, "client_credentials needs a confidential client")
		}
	}
	m := c.TokenEndpointAuthMethod
	r.oneOf(p+".token_endpoint_auth_method", m, "client_secret_basic", "client_secret_post", "private_key_jwt", "none")
	if c.Public && m != "none" {
		r.add(p+".token_endpoint_auth_method", "must be none for a public client")
	}
	if !c.Public && m == "none" {
		r.add(p+".token_endpoint_auth_method", "none is only for a public client (public: true)")
	}
	validateClientKeys(p, c, r)
}

// validateClientKeys checks a private_key_jwt client's keys: one source,
// and only for that method. The JWK Set itself is parsed by
// idp/provider at start (and jwks_file read at load).
func validateClientKeys(p string, c *Client, r *report) {
	n := 0
	for _, set := range []bool{c.JWKS != "" && c.JWKSFile == "", c.JWKSFile != "", c.JWKSURI != ""} {
		if set {
			n++
		}
	}
	switch {
	case c.TokenEndpointAuthMethod == "private_key_jwt" && n != 1:
		r.add(p+".jwks", "private_key_jwt needs exactly one of jwks, jwks_file, jwks_uri (found %d)", n)
	case c.TokenEndpointAuthMethod != "private_key_jwt" && n > 0:
		r.add(p+".jwks", "client keys are for token_endpoint_auth_method: private_key_jwt")
	}
	if a := c.TokenEndpointAuthSigningAlg; a != "" {
		r.oneOf(p+".token_endpoint_auth_signing_alg", a, "RS256", "PS256", "ES256")
	}
}
