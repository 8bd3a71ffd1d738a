package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// discovery holds the fields of the OpenID Provider Metadata that the
// scenarios use.
type discovery struct {
	Issuer        string `json:"issuer"`
	Authorization string `json:"authorization_endpoint"`
	Token         string `json:"token_endpoint"`
	UserInfo      string `json:"userinfo_endpoint"`
	JWKS          string `json:"jwks_uri"`
}

// endpoints lists the URLs the tool may send requests to, for the
// loopback check.
func (d discovery) endpoints() []string {
	return []string{d.Authorization, d.Token, d.UserInfo, d.JWKS}
}

// client is one relying party talking to one provider. Its HTTP client
// keeps cookies (the SSO session) and stops at the redirect URI instead
// of following it, so the code stays with us.
type client struct {
	hc   *http.Client
	meta discovery
	opts options
	act  *activation // the activation scenario's students and sinks
	// loginTurn picks the login scenario's next account, across workers.
	loginTurn *atomic.Uint64
}

func discoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// discover fetches and checks the provider's metadata.
func (c *client) discover(ctx context.Context) error {
	var d discovery
	if err := c.getJSON(ctx, discoveryURL(c.opts.issuer), "", &d); err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	if d.Authorization == "" || d.Token == "" || d.JWKS == "" {
		return fmt.Errorf("discovery: %w: missing authorization, token or jwks endpoint", errProtocol)
	}
	c.meta = d
	return nil
}

// getJSON GETs u (with a bearer token if any) and decodes a 200 answer
// into v (nil: discard the body).
func (c *client) getJSON(ctx context.Context, u, bearer string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", "application/json")
	return c.doJSON(req, v)
}

func (c *client) doJSON(req *http.Request, v any) error {
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportError{err}
	}
	defer drain(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return statusError{resp.StatusCode, oauthError(resp.Body)}
	}
	if v == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", errProtocol, req.URL.Path, err)
	}
	return nil
}

// tokens is a token endpoint answer.
type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	IDToken string `json:"id_token"`
	Scope   string `json:"scope"`
}

// exchange redeems an authorization code with its PKCE verifier.
func (c *client) exchange(ctx context.Context, code, verifier string) (tokens, error) {
	return c.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {verifier}, "redirect_uri": {c.opts.redirectURI}})
}

// refresh uses a refresh token; the answer may rotate it.
func (c *client) refresh(ctx context.Context, rt string) (tokens, error) {
	return c.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

// token posts to the token endpoint, authenticating with
// client_secret_basic (or as a public client, with client_id alone).
func (c *client) token(ctx context.Context, form url.Values) (tokens, error) {
	if c.opts.clientSecret == "" {
		form.Set("client_id", c.opts.clientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.meta.Token, strings.NewReader(form.Encode()))
	if err != nil {
		return tokens{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.opts.clientSecret != "" {
		// RFC 6749 §2.3.1: both parts are form-encoded before Basic.
		req.SetBasicAuth(url.QueryEscape(c.opts.clientID), url.QueryEscape(c.opts.clientSecret))
	}
	var t tokens
	if err := c.doJSON(req, &t); err != nil {
		return t, err
	}
	if t.Access == "" {
		return t, fmt.Errorf("%w: token answer without access_token", errProtocol)
	}
	return t, nil
}

// oauthError reads an OAuth error answer's code, for the error message.
func oauthError(body io.Reader) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&e)
	return e.Error
}

func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 1<<20))
	body.Close()
}

// errProtocol: the provider answered, but not as the protocol says (no
// code in the redirect, the login form where the session should answer).
var errProtocol = errors.New("protocol")

type transportError struct{ err error }

func (e transportError) Error() string { return "transport: " + e.err.Error() }
func (e transportError) Unwrap() error { return e.err }

type statusError struct {
	code  int
	oauth string
}

func (e statusError) Error() string {
	if e.oauth != "" {
		return fmt.Sprintf("HTTP %d (%s)", e.code, e.oauth)
	}
	return fmt.Sprintf("HTTP %d", e.code)
}

// errorKind names the class of err for the report: "http_NNN",
// "transport", "protocol" or "other".
func errorKind(err error) string {
	var se statusError
	var te transportError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("http_%d", se.code)
	case errors.As(err, &te):
		return "transport"
	case errors.Is(err, errProtocol):
		return "protocol"
	case errors.Is(err, errNoCode):
		return "no_code"
	case errors.Is(err, errStudentsUsed):
		return "students_used_up"
	}
	return "other"
}
