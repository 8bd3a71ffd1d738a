package provider

import (
	"context"
	"fmt"
	"net/url"
)

// LandingURL is where to send a browser that has just got an SSO session
// outside any authorization request (the activation flow entered from IA
// web): the client's initiate_login_uri with iss, login_hint and
// target_link_uri (OIDC Core §4): its landing_uri, else the origin of its
// first redirect URI. The client then sends an authorization
// request, answered at once from the session.
func (p *Provider) LandingURL(ctx context.Context, clientID, login string) (string, error) {
	cl, ok := p.clients.get(clientID)
	if !ok {
		return "", fmt.Errorf("provider: landing: unknown client %q", clientID)
	}
	if cl.Conf.InitiateLoginURI == "" {
		return "", fmt.Errorf("provider: landing: client %q has no initiate_login_uri", clientID)
	}
	u, err := url.Parse(cl.Conf.InitiateLoginURI)
	if err != nil {
		return "", fmt.Errorf("provider: landing: %w", err)
	}
	q := u.Query()
	q.Set("iss", p.cfg.Issuer)
	if login != "" {
		q.Set("login_hint", login)
	}
	if t := landingTarget(cl.Conf); t != "" {
		q.Set("target_link_uri", t)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// landingTarget is where the client should take the student once signed
// in: its configured landing_uri, else its own home (the origin of its
// first redirect URI).
func landingTarget(c ClientConfig) string {
	if c.LandingURI != "" {
		return c.LandingURI
	}
	if len(c.RedirectURIs) == 0 {
		return ""
	}
	t, err := url.Parse(c.RedirectURIs[0])
	if err != nil {
		return ""
	}
	return t.Scheme + "://" + t.Host + "/"
}
