package main

import (
	"context"
	"errors"
	"fmt"
)

// step is one iteration of a scenario, run in a loop by one worker.
type step func(ctx context.Context) error

// scenario prepares a worker's loop. Setup runs before the clock starts:
// it may sign in, obtain tokens, and return a note for the report.
type scenario struct {
	name string
	// session: the scenario needs the signed-in SSO session.
	session bool
	// flows: Seuil's self-service flows, not OpenID Connect (no client,
	// no discovery).
	flows bool
	setup func(ctx context.Context, c *client) (step, string, error)
}

// scenarios lists every scenario in the order "all" runs them.
var scenarios = []scenario{
	{name: "discovery", setup: func(_ context.Context, c *client) (step, string, error) {
		u := discoveryURL(c.opts.issuer)
		return func(ctx context.Context) error { return c.getJSON(ctx, u, "", nil) }, "", nil
	}},
	{name: "jwks", setup: func(_ context.Context, c *client) (step, string, error) {
		return func(ctx context.Context) error { return c.getJSON(ctx, c.meta.JWKS, "", nil) }, "", nil
	}},
	{name: "authorize-session", session: true, setup: func(_ context.Context, c *client) (step, string, error) {
		return func(ctx context.Context) error {
			_, _, err := c.authorize(ctx, "openid")
			return err
		}, "one iteration: an authorization request answered by the SSO session with a code", nil
	}},
	{name: "code", session: true, setup: func(_ context.Context, c *client) (step, string, error) {
		return func(ctx context.Context) error {
			_, err := c.codeFlow(ctx, "openid")
			return err
		}, "one iteration: authorization request (SSO session) + code exchange with PKCE", nil
	}},
	{name: "login", setup: setupLogin},
	{name: "refresh", session: true, setup: setupRefresh},
	{name: "activation", flows: true, setup: setupActivation},
	{name: "userinfo", session: true, setup: func(ctx context.Context, c *client) (step, string, error) {
		if c.meta.UserInfo == "" {
			return nil, "", errors.New("the provider publishes no userinfo_endpoint")
		}
		t, err := c.firstTokens(ctx, "openid")
		if err != nil {
			return nil, "", fmt.Errorf("obtaining an access token: %w", err)
		}
		return func(ctx context.Context) error { return c.getJSON(ctx, c.meta.UserInfo, t.Access, nil) }, "", nil
	}},
}

// codeFlow runs one authorization (from the session) and its exchange.
func (c *client) codeFlow(ctx context.Context, scope string) (tokens, error) {
	code, g, err := c.authorize(ctx, scope)
	if err != nil {
		return tokens{}, err
	}
	return c.exchange(ctx, code, g.verifier)
}

// setupLogin gives each worker whole sign-ins through the HTML form, each
// in a new browser (its own cookie jar) so that no SSO session answers:
// the authorization request, the sign-in page, the POST of the next
// account's login and password, and the code exchange. Without
// --forwarded-for every sign-in comes from the tool's one address, as
// students behind a campus NAT do; with it, each from its own.
func setupLogin(_ context.Context, c *client) (step, string, error) {
	logins := c.opts.logins
	if len(logins) == 0 {
		logins = []string{c.opts.username}
	}
	next := c.loginTurn
	note := fmt.Sprintf("one iteration: a new browser's authorization request, sign-in page, form POST and code exchange with PKCE; %d accounts in turn", len(logins))
	return func(ctx context.Context) error {
		i := next.Add(1) - 1
		hc := c.browser()
		if c.opts.forwardedFor {
			hc.Transport = spreadAddress(hc.Transport, i)
		}
		user := logins[i%uint64(len(logins))]
		code, g, err := c.formSignIn(ctx, hc, "openid", user, c.opts.password)
		if err != nil {
			return err
		}
		if code == "" {
			return fmt.Errorf("%w: a new browser was signed in already", errProtocol)
		}
		_, err = c.exchange(ctx, code, g.verifier)
		return err
	}, note, nil
}

// firstTokens obtains a worker's tokens before its loop: from the SSO
// session, or, from a provider that keeps none the tool can use (Dex),
// through the sign-in form in a browser of their own, as the next of
// --logins if given (Dex keeps one refresh token per account and client:
// workers sharing an account would revoke each other's).
func (c *client) firstTokens(ctx context.Context, scope string) (tokens, error) {
	t, err := c.codeFlow(ctx, scope)
	if !errors.Is(err, errNoSession) {
		return t, err
	}
	user := c.opts.username
	if n := uint64(len(c.opts.logins)); n > 0 {
		user = c.opts.logins[(c.loginTurn.Add(1)-1)%n]
	}
	code, g, err := c.formSignIn(ctx, c.browser(), scope, user, c.opts.password)
	if err != nil {
		return tokens{}, err
	}
	return c.exchange(ctx, code, g.verifier)
}

// setupRefresh obtains the worker's refresh token. Some providers issue
// one only for offline_access (Seuil), others for any sign-in (Keycloak,
// where offline_access makes a longer-lived offline token): ask for
// offline_access first, fall back to openid alone and say so.
func setupRefresh(ctx context.Context, c *client) (step, string, error) {
	scope := valueOr(c.opts.refreshScope, "openid offline_access")
	note := "scope " + scope + "; each iteration uses the refresh token the previous one returned"
	t, err := c.firstTokens(ctx, scope)
	if c.opts.refreshScope == "" && (err != nil || t.Refresh == "") {
		note = fmt.Sprintf("scope openid (openid offline_access gave no refresh token: %v); rotation as returned", orNone(err))
		t, err = c.firstTokens(ctx, "openid")
	}
	if err != nil {
		return nil, "", fmt.Errorf("obtaining a refresh token: %w", err)
	}
	if t.Refresh == "" {
		return nil, "", errors.New("the token answer holds no refresh_token")
	}
	rt := t.Refresh
	return func(ctx context.Context) error {
		t, err := c.refresh(ctx, rt)
		if err == nil && t.Refresh != "" {
			rt = t.Refresh
		}
		return err
	}, note, nil
}

func orNone(err error) any {
	if err == nil {
		return "no error, no refresh_token"
	}
	return err
}

func findScenario(name string) (scenario, bool) {
	for _, s := range scenarios {
		if s.name == name {
			return s, true
		}
	}
	return scenario{}, false
}
