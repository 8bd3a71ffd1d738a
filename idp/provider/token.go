package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/provider/fositestore"
	"github.com/seuil-idp/seuil/themes"
)

// token is the token endpoint: code exchange, refresh and client
// credentials.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	w = challenge(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if gt := r.PostFormValue("grant_type"); gt != "" && !slices.Contains(grantTypes, gt) {
		// fosite answers invalid_request when no handler takes a grant.
		p.tokenError(w, r, fosite.NewAccessRequest(openid.NewDefaultSession()),
			fosite.ErrUnsupportedGrantType.WithHintf("The grant type '%s' is not offered (%s are).", gt, strings.Join(grantTypes, ", ")))
		return
	}
	ctx := fositestore.ForTokenRequest(r.Context(), r.PostFormValue("code"))
	ar, resp, err := p.issue(ctx, r)
	// What the request held is sent before the answer: the new tokens
	// with a success, fosite's deletions (a spent PKCE challenge) in any
	// case.
	if ferr := p.tokens.Flush(ctx, err == nil, nil); ferr != nil && err == nil {
		err = fosite.ErrServerError.WithWrap(ferr)
	}
	if err != nil {
		p.tokenError(w, r, ar, err)
		return
	}
	p.oauth.WriteAccessResponse(ctx, w, ar, resp)
	p.tokenDone(r, "ok")
}

// issue runs a token request through fosite and Seuil's own checks.
func (p *Provider) issue(ctx context.Context, r *http.Request) (fosite.AccessRequester, fosite.AccessResponder, error) {
	ar, err := p.oauth.NewAccessRequest(ctx, r, openid.NewDefaultSession())
	if err != nil {
		return ar, nil, err
	}
	if err := p.mayRefresh(ctx, ar); err != nil {
		return ar, nil, err
	}
	if err := p.capRefresh(ar, time.Now()); err != nil {
		return ar, nil, err
	}
	cl := ar.GetClient().(*Client)
	resp, err := p.oauth.NewAccessResponse(withAlg(ctx, cl.Conf.SigningAlg), ar)
	if err != nil {
		return ar, nil, lostRace(err)
	}
	return ar, resp, nil
}

// tokenDone reports a token request's outcome, its grant type among the
// offered ones so that a metric's labels stay a fixed set.
func (p *Provider) tokenDone(r *http.Request, outcome string) {
	if p.deps.OnToken == nil {
		return
	}
	gt := r.PostForm.Get("grant_type")
	if !slices.Contains(grantTypes, gt) {
		gt = "other"
	}
	p.deps.OnToken(gt, outcome)
}

// mayRefresh refuses a refresh for an account the directory no longer
// has, has locked (a student who left, a compromised account) or has
// given to someone else: a refresh token must not outlive the right to
// sign in. Codes need no such check: they live a minute.
func (p *Provider) mayRefresh(ctx context.Context, ar fosite.AccessRequester) error {
	if !ar.GetGrantTypes().ExactOne("refresh_token") {
		return nil
	}
	s, ok := ar.GetSession().(*openid.DefaultSession)
	if !ok || s.Username == "" {
		return fosite.ErrInvalidGrant.WithHint("The grant has no account.")
	}
	st, err := p.deps.Directory.Standing(ctx, s.Username)
	switch {
	case errors.Is(err, directory.ErrNotFound),
		err == nil && (st.State == directory.StateLocked || st.Subject != s.Subject):
		return fosite.ErrInvalidGrant.WithHint("The account may no longer sign in.")
	case err != nil:
		return fosite.ErrServerError.WithWrap(err)
	}
	return nil
}

// capRefresh gives refresh tokens an absolute end: fosite renews a
// refresh token's lifetime at each rotation, so a client refreshing
// every few hours would hold a grant for ever. No refresh token of a
// grant outlives the sign-in it came from by more than the SSO session's
// absolute timeout (ASVS 5.0 V10.4.8); past it, the grant is refused and
// the relying party sends the student to sign in again.
func (p *Provider) capRefresh(ar fosite.AccessRequester, now time.Time) error {
	s, ok := ar.GetSession().(*openid.DefaultSession)
	if !ok || s.Claims == nil || s.Claims.AuthTime.IsZero() {
		return nil
	}
	end := s.Claims.AuthTime.Add(p.sessions.AbsoluteTimeout())
	if ar.GetGrantTypes().ExactOne("refresh_token") && !now.Before(end) {
		return fosite.ErrInvalidGrant.WithHint("The sign-in this grant came from is older than the session's absolute lifetime; sign in again.")
	}
	if exp := s.GetExpiresAt(fosite.RefreshToken); exp.IsZero() || exp.After(end) {
		s.SetExpiresAt(fosite.RefreshToken, end)
	}
	return nil
}

// lostRace turns the server error fosite makes of a lost race into
// invalid_grant: when two requests exchange one code (or rotate one
// refresh token) at once, the store lets one through and fails the other
// with ErrInvalidatedAuthorizeCode, ErrInactiveToken or
// ErrSerializationFailure, which fosite wraps in server_error. For the
// loser the grant is simply no longer valid.
func lostRace(err error) error {
	for _, cause := range []error{fosite.ErrInvalidatedAuthorizeCode, fosite.ErrInactiveToken, fosite.ErrSerializationFailure} {
		if errors.Is(err, cause) {
			return fosite.ErrInvalidGrant.WithHint("The grant was used by a concurrent request.").WithWrap(err)
		}
	}
	return err
}

func (p *Provider) tokenError(w http.ResponseWriter, r *http.Request, ar fosite.AccessRequester, err error) {
	e := fosite.ErrorToRFC6749Error(err)
	client := callerID(r)
	if ar != nil && ar.GetClient() != nil && ar.GetClient().GetID() != "" {
		client = ar.GetClient().GetID()
	}
	p.log.InfoContext(r.Context(), "token refused", "client", client, "grant_type", r.PostForm.Get("grant_type"),
		"err", e.ErrorField, "hint", e.HintField, "debug", e.DebugField)
	p.oauth.WriteAccessError(r.Context(), w, ar, err)
	p.tokenDone(r, e.ErrorField)
}

// callerID is the client id a token-endpoint request names, by Basic or
// in the form, for the log (it may not be authenticated).
func callerID(r *http.Request) string {
	if id, _, ok := r.BasicAuth(); ok {
		return id
	}
	return r.PostForm.Get("client_id")
}

// challenge makes a 401 answer to a request that authenticated with HTTP
// Basic carry the Basic challenge (RFC 6749 §5.2: MUST).
func challenge(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if _, _, basic := r.BasicAuth(); !basic {
		return w
	}
	return &challengeWriter{ResponseWriter: w}
}

type challengeWriter struct{ http.ResponseWriter }

func (w *challengeWriter) WriteHeader(code int) {
	if code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="seuil"`)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *challengeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// userinfo returns the claims of the access token's user (OIDC Core 5.3).
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	w.Header().Set("Cache-Control", "no-store")
	tok := bearerToken(r)
	if tok == "" {
		// No token, no error code (RFC 6750 §3.1).
		w.Header().Set("WWW-Authenticate", `Bearer realm="seuil"`)
		jsonError(w, http.StatusUnauthorized, "invalid_request", "An access token is required.")
		return
	}
	sess := openid.NewDefaultSession()
	// IntrospectToken also accepts refresh tokens, which are not bearer
	// tokens (RFC 6750) and outlive access tokens by hours. A client
	// credentials token has no user to describe.
	tu, ar, err := p.oauth.IntrospectToken(ctx, tok, fosite.AccessToken, sess)
	var s *openid.DefaultSession
	if err == nil {
		s, _ = ar.GetSession().(*openid.DefaultSession)
	}
	if err != nil || tu != fosite.AccessToken || !ar.GetGrantedScopes().Has("openid") || s == nil || s.Subject == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="seuil", error="invalid_token"`)
		jsonError(w, http.StatusUnauthorized, "invalid_token", "The access token is invalid or expired.")
		return
	}
	out := map[string]any{"sub": s.Subject}
	if s.Claims != nil {
		for k, v := range s.Claims.Extra {
			out[k] = v
		}
	}
	delete(out, "sid")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// jsonError writes an OAuth error body as JSON, never cached.
func jsonError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// bearerToken reads the access token from the Authorization header or a
// POSTed form (RFC 6750 §2.1, §2.2); fosite's AccessTokenFromRequest also
// takes it from the query, which proxies and servers log.
func bearerToken(r *http.Request) string {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") {
		return tok
	}
	if r.Method != http.MethodPost {
		return ""
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	return r.PostFormValue("access_token")
}

// revoke is RFC 7009 token revocation.
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	w = challenge(w, r)
	err := p.oauth.NewRevocationRequest(r.Context(), r)
	if err != nil {
		e := fosite.ErrorToRFC6749Error(err)
		p.log.InfoContext(r.Context(), "revocation refused", "client", callerID(r), "err", e.ErrorField, "hint", e.HintField)
	}
	// fosite answers 200 to these: another client's token (RFC 7009 §2.1
	// says refuse), and a store failure (the token may still be valid).
	switch {
	case errors.Is(err, fosite.ErrUnauthorizedClient):
		jsonError(w, http.StatusBadRequest, "unauthorized_client", "The token was not issued to this client.")
		return
	case errors.Is(err, fosite.ErrTemporarilyUnavailable):
		w.Header().Set("Retry-After", "5")
		jsonError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "Try again in a few seconds.")
		return
	}
	p.oauth.WriteRevocationResponse(r.Context(), w, err)
}

// discovery is the OpenID Provider metadata; every URL is derived from
// the issuer so it is right behind a reverse proxy at a path prefix.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	iss := p.cfg.Issuer
	algs := []string{}
	for _, a := range []string{"RS256", "ES256"} {
		if _, ok := p.keys.For(a); ok {
			algs = append(algs, a)
		}
	}
	doc := map[string]any{
		"issuer":                                           iss,
		"authorization_endpoint":                           iss + "/oauth2/auth",
		"token_endpoint":                                   iss + "/oauth2/token",
		"userinfo_endpoint":                                iss + "/userinfo",
		"jwks_uri":                                         iss + "/jwks.json",
		"revocation_endpoint":                              iss + "/oauth2/revoke",
		"introspection_endpoint":                           iss + "/oauth2/introspect",
		"end_session_endpoint":                             iss + "/oauth2/logout",
		"scopes_supported":                                 knownScopes,
		"response_types_supported":                         []string{"code"},
		"response_modes_supported":                         responseModeNames(),
		"grant_types_supported":                            grantTypes,
		"subject_types_supported":                          []string{"public"},
		"id_token_signing_alg_values_supported":            algs,
		"token_endpoint_auth_methods_supported":            authMethods,
		"token_endpoint_auth_signing_alg_values_supported": assertionAlgs,
		"code_challenge_methods_supported":                 []string{"S256"},
		// consent: the clients are the university's own, registered by
		// its administrators, so no consent screen is shown (README,
		// "Choices"); select_account signs in again (one account per
		// browser).
		"prompt_values_supported":                        []string{"none", "login", "consent", "select_account", "create"},
		"claims_supported":                               claimsSupported,
		"authorization_response_iss_parameter_supported": true,
		// Request objects are refused (precheck): say so, as an absent
		// request_uri_parameter_supported means true (OIDC Discovery 3).
		"request_parameter_supported":                   false,
		"request_uri_parameter_supported":               false,
		"claims_parameter_supported":                    false,
		"ui_locales_supported":                          themes.Languages,
		"acr_values_supported":                          []string{acrPassword, acrMFA},
		"backchannel_logout_supported":                  true,
		"backchannel_logout_session_supported":          true,
		"frontchannel_logout_supported":                 false,
		"revocation_endpoint_auth_methods_supported":    authMethods,
		"introspection_endpoint_auth_methods_supported": authMethods[:3],
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_ = json.NewEncoder(w).Encode(doc)
}

// jwks publishes the signing keys, active and retiring.
func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	raw, err := p.keys.JWKS()
	if err != nil {
		http.Error(w, "jwks", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	// Short enough that a new key is picked up soon after a rotation;
	// relying parties also refetch on an unknown kid.
	w.Header().Set("Cache-Control", "public, max-age=900")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(raw)
}

func responseModeNames() []string {
	out := make([]string, len(responseModes))
	for i, m := range responseModes {
		out[i] = string(m)
	}
	return out
}
