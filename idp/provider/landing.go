package provider

import (
	"context"
	"fmt"
	"net/url"
)

// LandingURL is where to send a browser that has just got an SSO session
// outside any authorization request (the activation flow entered from IA
// web): the client's initiate_login_uri with iss, login_hint and
// target_link_uri (OIDC Core §4). The client then sends an authorization
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
	if len(cl.Conf.RedirectURIs) > 0 {
		// The RP's own home: its first redirect URI's origin.
		if t, err := url.Parse(cl.Conf.RedirectURIs[0]); err == nil {
			q.Set("target_link_uri", t.Scheme+"://"+t.Host+"/")
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
