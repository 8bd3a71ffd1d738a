package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v3" // the version fosite's interfaces take
	jose4 "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	"github.com/ory/fosite"

	"github.com/seuil-idp/seuil/idp/provider/keys"
)

// parseJWKS reads a private_key_jwt client's public keys; "" is none.
func parseJWKS(raw string) (*jose.JSONWebKeySet, error) {
	if raw == "" {
		return nil, nil
	}
	return keys.ParseClientJWKS([]byte(raw))
}

// jwksFetcher is fosite's JWKSFetcherStrategy for clients registered with
// a jwks_uri: each set is fetched with a timeout, at most maxJWKS bytes,
// and kept for jwksTTL. fosite asks for a refresh when an assertion's kid
// is unknown (the client rotated its keys); refreshes of one URI are
// spaced by jwksRefetch, so that assertions with made-up kids cannot make
// Seuil hammer the client's server.
type jwksFetcher struct {
	http *http.Client
	mu   sync.Mutex
	sets map[string]cachedJWKS
}

type cachedJWKS struct {
	set *jose.JSONWebKeySet
	at  time.Time
}

const (
	jwksTTL     = 10 * time.Minute
	jwksRefetch = 30 * time.Second
	maxJWKS     = 64 << 10
)

func newJWKSFetcher(timeout time.Duration) *jwksFetcher {
	return &jwksFetcher{http: &http.Client{Timeout: timeout, CheckRedirect: noRedirect}, sets: map[string]cachedJWKS{}}
}

// noRedirect keeps Seuil's outgoing requests (jwks_uri, back-channel
// logout) to the URIs the administrator configured: a redirect from one
// of them, to an internal address say, is not followed.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Resolve implements fosite.JWKSFetcherStrategy.
func (f *jwksFetcher) Resolve(ctx context.Context, location string, ignoreCache bool) (*jose.JSONWebKeySet, error) {
	f.mu.Lock()
	c, ok := f.sets[location]
	f.mu.Unlock()
	age := time.Since(c.at)
	if ok && (age < jwksRefetch || (!ignoreCache && age < jwksTTL)) {
		return c.set, nil
	}
	set, err := f.fetch(ctx, location)
	if err != nil {
		if ok {
			return c.set, nil // the client's server is down: keep its last keys
		}
		return nil, fosite.ErrInvalidClient.WithHint("The client's jwks_uri could not be read.").WithWrap(err).WithDebug(err.Error())
	}
	f.mu.Lock()
	f.sets[location] = cachedJWKS{set: set, at: time.Now()}
	f.mu.Unlock()
	return set, nil
}

func (f *jwksFetcher) fetch(ctx context.Context, location string) (*jose.JSONWebKeySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks_uri: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks_uri: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks_uri: %s answered %d", location, resp.StatusCode)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKS+1))
	if err != nil {
		return nil, fmt.Errorf("jwks_uri: %w", err)
	}
	if len(raw) > maxJWKS {
		return nil, fmt.Errorf("jwks_uri: %s: more than %d bytes", location, maxJWKS)
	}
	set, err := parseJWKS(string(raw))
	if err != nil {
		return nil, fmt.Errorf("jwks_uri: %s: %w", location, err)
	}
	return set, nil
}

// authenticateClient is fosite's client authentication, with the time
// claims of a client assertion checked first: fosite's JWT parser reports
// an expired or not-yet-valid assertion as a bare error, which fosite
// then answers with a 500 instead of invalid_client.
func authenticateClient(next fosite.ClientAuthenticationStrategy) fosite.ClientAuthenticationStrategy {
	return func(ctx context.Context, r *http.Request, form url.Values) (fosite.Client, error) {
		if a := form.Get("client_assertion"); a != "" {
			if err := assertionTimes(a, time.Now()); err != nil {
				return nil, fosite.ErrInvalidClient.WithHint(err.Error())
			}
		}
		if _, _, basic := r.BasicAuth(); !basic && form.Get("client_id") == "" && form.Get("client_assertion") == "" {
			// fosite calls this invalid_request; RFC 6749 §5.2 says a
			// request without client authentication is invalid_client.
			return nil, fosite.ErrInvalidClient.WithHint("Client authentication is required.")
		}
		return next(ctx, r, form)
	}
}

// assertionTimes checks exp (required, in the future) and nbf and iat
// (not in the future), allowing a little clock skew; the signature is
// fosite's to check.
func assertionTimes(raw string, now time.Time) error {
	tok, err := josejwt.ParseSigned(raw, []jose4.SignatureAlgorithm{jose4.RS256, jose4.PS256, jose4.ES256})
	if err != nil {
		return errors.New("The client_assertion is not a signed JWT with an accepted algorithm.")
	}
	var c josejwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil || c.Expiry == nil {
		return errors.New("The client_assertion must have an exp claim.")
	}
	if err := c.ValidateWithLeeway(josejwt.Expected{Time: now}, 30*time.Second); err != nil {
		return fmt.Errorf("The client_assertion is expired or not yet valid: %w.", err)
	}
	return nil
}
