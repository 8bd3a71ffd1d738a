package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// grant is an authorization request in flight: what the callback must
// echo and what the token request must prove.
type grant struct {
	state, nonce, verifier string
}

// authURL builds an authorization request (code flow, PKCE S256).
func (c *client) authURL(scope string) (string, grant) {
	g := grant{state: randomToken(), nonce: randomToken(), verifier: randomToken()}
	q := url.Values{
		"response_type": {"code"}, "client_id": {c.opts.clientID}, "redirect_uri": {c.opts.redirectURI},
		"scope": {scope}, "state": {g.state}, "nonce": {g.nonce},
		"code_challenge": {challengeS256(g.verifier)}, "code_challenge_method": {"S256"},
	}
	sep := "?"
	if strings.Contains(c.meta.Authorization, "?") {
		sep = "&"
	}
	return c.meta.Authorization + sep + q.Encode(), g
}

// authorize sends an authorization request that the SSO session answers
// at once, and returns the code from the redirect to redirect_uri.
func (c *client) authorize(ctx context.Context, scope string) (string, grant, error) {
	u, g := c.authURL(scope)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", g, err
	}
	code, err := c.callback(req, g)
	return code, g, err
}

// callback sends req, following the provider's own redirects, and reads
// the code from the redirect to redirect_uri.
func (c *client) callback(req *http.Request, g grant) (string, error) {
	return c.callbackWith(c.hc, req, g)
}

func (c *client) callbackWith(hc *http.Client, req *http.Request, g grant) (string, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return "", transportError{err}
	}
	defer drain(resp.Body)
	loc, ok := c.atRedirectURI(resp)
	if !ok {
		if resp.StatusCode == http.StatusOK {
			return "", fmt.Errorf("%w: %s answered a page, not a redirect to redirect_uri (no SSO session?)", errNoSession, resp.Request.URL.Path)
		}
		return "", statusError{code: resp.StatusCode}
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("%w: authorization error %q: %s", errProtocol, e, q.Get("error_description"))
	}
	if q.Get("state") != g.state || q.Get("code") == "" {
		return "", fmt.Errorf("%w: redirect without code or with another state", errProtocol)
	}
	return q.Get("code"), nil
}

// atRedirectURI returns the redirect's target when resp redirects to
// the client's redirect_uri.
func (c *client) atRedirectURI(resp *http.Response) (*url.URL, bool) {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil, false
	}
	loc, err := resp.Location()
	if err != nil || !isRedirectURI(loc, c.opts.redirectURI) {
		return nil, false
	}
	return loc, true
}

func isRedirectURI(u *url.URL, redirectURI string) bool {
	s := u.String()
	return s == redirectURI || strings.HasPrefix(s, redirectURI+"?") || strings.HasPrefix(s, redirectURI+"#")
}

// stopAtRedirectURI is the http.Client's CheckRedirect: follow the
// provider's redirects, not the one to the relying party.
func stopAtRedirectURI(redirectURI string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if isRedirectURI(req.URL, redirectURI) {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// signIn starts an authorization request, fills the provider's HTML
// sign-in form with the user and password, and checks that the provider
// then redirects to redirect_uri with a code: the cookie jar now holds
// an SSO session.
func (c *client) signIn(ctx context.Context, user, password string) error {
	_, _, err := c.formSignIn(ctx, c.hc, "openid", user, password)
	return err
}

// errNoSession: the provider answered an authorization request with a
// page, the browser having no SSO session it honours.
var errNoSession = fmt.Errorf("%w: no SSO session", errProtocol)

// browser is a new browser: c's transport, a cookie jar of its own.
func (c *client) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: c.hc.Transport, Timeout: c.hc.Timeout, CheckRedirect: c.hc.CheckRedirect}
}

// formSignIn is signIn through hc (its own cookie jar: a browser of its
// own), returning the code and the grant it answers; the code is ""
// when hc's session answered without the form.
func (c *client) formSignIn(ctx context.Context, hc *http.Client, scope, user, password string) (string, grant, error) {
	u, g := c.authURL(scope)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", g, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", g, fmt.Errorf("sign-in: %w", transportError{err})
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
	if _, ok := c.atRedirectURI(resp); ok {
		return "", g, nil // already signed in
	}
	if resp.StatusCode != http.StatusOK {
		return "", g, fmt.Errorf("sign-in page: %w", statusError{code: resp.StatusCode})
	}
	page := resp.Request.URL
	f, err := parseLoginForm(page, bytes.NewReader(body))
	if err != nil {
		return "", g, fmt.Errorf("sign-in page %s: %w", page.Redacted(), err)
	}
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, f.Action.String(), strings.NewReader(f.fill(user, password).Encode()))
	if err != nil {
		return "", g, err
	}
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Origin", page.Scheme+"://"+page.Host) // same-origin, as a browser says
	code, err := c.callbackWith(hc, post, g)
	if err != nil {
		return "", g, fmt.Errorf("sign-in as %q did not end at redirect_uri (wrong user or password, or a required action such as consent or a password change?): %w", user, err)
	}
	return code, g, nil
}
