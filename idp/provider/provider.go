package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/provider/fositestore"
	"github.com/seuil-idp/seuil/idp/provider/keys"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/themes"
)

// Accounts is what the provider needs from the directory: the sign-in
// check, the account behind a session (for claims), and the standing a
// refresh re-checks (the LDAP directory reads it with four attributes
// instead of the account's fifteen).
type Accounts interface {
	session.Authenticator
	FindByLogin(ctx context.Context, login string) (directory.Account, error)
	Standing(ctx context.Context, login string) (directory.Standing, error)
}

// Deps are the provider's collaborators, built by cmd/.
type Deps struct {
	Store     *state.Store
	Directory Accounts
	// Limiter bounds sign-in attempts (idp/regulation); nil: no limits.
	Limiter session.Limiter
	// Theme is the default theme; Themes the others, by name.
	Theme  *themes.Theme
	Themes *themes.Registry
	Logger *slog.Logger
	// HTTPClient posts back-channel logout tokens (default: a client with
	// Config.BackchannelTimeout that follows no redirect).
	HTTPClient     *http.Client
	TrustedProxies []netip.Prefix
	// Trail receives the sign-in events (nil: none).
	Trail *audit.Trail
	// OnToken is told of every token request's grant type (one of the
	// offered ones, else "other") and outcome ("ok" or the OAuth error
	// code, e.g. invalid_grant), for metrics; nil: nothing.
	OnToken func(grantType, outcome string)
}

// Provider is the OpenID Connect provider.
type Provider struct {
	cfg      Config
	deps     Deps
	log      *slog.Logger
	oauth    fosite.OAuth2Provider
	fosite   *fosite.Fosite // the same, for AuthenticateClient
	keys     *keys.Set
	clients  *clients
	sessions *session.Manager
	tokens   *fositestore.Store
	login    *session.Login
	base     string // the issuer's path, "" at the root
	http     *http.Client
}

// New validates cfg, loads the signing keys and composes fosite.
func New(cfg Config, deps Deps) (*Provider, error) {
	cfg.Clients = slices.Clone(cfg.Clients) // defaults are set on our copy
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ks, err := loadKeys(cfg.Keys)
	if err != nil {
		return nil, err
	}
	for i := range cfg.Clients {
		cl := &cfg.Clients[i]
		if _, ok := ks.For(cl.SigningAlg); !ok {
			if cl.SigningAlg == defaultSigningAlg && !cl.algSet {
				return nil, fmt.Errorf("clients[%d] (%s): ID tokens are signed RS256 unless id_token_signed_response_alg names another algorithm (OpenID Connect Core §3.1.3.7), and no signing key is RS256: add one, or set id_token_signed_response_alg: ES256", i, cl.ID)
			}
			return nil, fmt.Errorf("clients[%d].id_token_signed_response_alg: no %s key among the signing keys", i, cl.SigningAlg)
		}
		if cl.PKCEOptional {
			deps.Logger.Warn("oidc: PKCE is optional for this client (pkce_optional); RFC 9700 asks for it from every client", "client", cl.ID)
		}
		if cl.Theme != "" && !deps.Themes.Has(cl.Theme) {
			return nil, fmt.Errorf("clients[%d].theme: no theme %q", i, cl.Theme)
		}
	}
	if deps.Store == nil || deps.Directory == nil || deps.Theme == nil {
		return nil, errors.New("provider: Store, Directory and Theme are required")
	}
	cls, err := newClients(cfg.Clients)
	if err != nil {
		return nil, err
	}

	u, _ := url.Parse(cfg.Issuer)
	// The configured flags (server.cookie_secure) govern the provider's
	// cookies as every other; an https issuer never gets weaker ones.
	cfg.Session.Cookies.Secure = cfg.Session.Cookies.Secure || u.Scheme == "https"
	p := &Provider{cfg: cfg, deps: deps, log: deps.Logger, keys: ks, clients: cls, base: u.Path, http: deps.HTTPClient}
	if p.http == nil {
		p.http = &http.Client{Timeout: cfg.BackchannelTimeout, CheckRedirect: noRedirect}
	}
	p.sessions = session.NewManager(deps.Store, cfg.Session, deps.Logger)
	p.sessions.OnExpire(p.announceExpired)
	p.login = session.NewLogin(p.sessions, deps.Directory, deps.Limiter, p.themeFor, session.Paths{
		Login: p.base + "/login", Resume: p.base + "/oauth2/auth/resume",
		Flows: cfg.FlowsPath, Static: cfg.StaticPath, Console: cfg.ConsolePath,
		Passkeys: cfg.PasskeysPath, Account: cfg.AccountPath,
	}, deps.TrustedProxies)
	p.login.AuditTo(deps.Trail)
	p.login.AnswerWith(p.answerSignedIn)
	p.login.ExpectLogins(session.ParseShape(cfg.LoginPattern))
	p.login.ShowClientNames(func(id string) string {
		if cl, ok := p.clients.get(id); ok {
			return cl.Conf.Name
		}
		return ""
	})
	p.fosite = p.compose()
	p.oauth = p.fosite
	return p, nil
}

func loadKeys(c KeysConfig) (*keys.Set, error) {
	if len(c.Files) > 0 {
		return keys.NewRetiring(c.Files, c.Retiring)
	}
	return keys.Dir(c.Dir, c.Active, c.Generate)
}

// compose builds fosite with the handlers Seuil offers, and no others:
// no implicit or hybrid flow, no password or device grant.
func (p *Provider) compose() *fosite.Fosite {
	fc := &fosite.Config{
		IDTokenIssuer: p.cfg.Issuer, AccessTokenIssuer: p.cfg.Issuer,
		TokenURL:              p.cfg.Issuer + "/oauth2/token",
		GlobalSecret:          []byte(p.cfg.Secret),
		AuthorizeCodeLifespan: p.cfg.CodeTTL, AccessTokenLifespan: p.cfg.AccessTokenTTL,
		RefreshTokenLifespan: p.cfg.RefreshTokenTTL, IDTokenLifespan: p.cfg.IDTokenTTL,
		EnforcePKCEForPublicClients: true, // and, per client, checkRequest
		// state and nonce are the client's business: with PKCE (required)
		// a state is optional, and OIDC sets no length (fosite's default
		// refuses fewer than 8 characters with an unregistered error). 1
		// is fosite's least; an absent state is precheck's noState.
		MinParameterEntropy:            1,
		EnablePKCEPlainChallengeMethod: false,
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		AllowedPromptValues:            []string{"none", "login", "consent", "select_account", "create"},
		RefreshTokenScopes:             []string{"offline_access"},
		ClientSecretsHasher:            newCachingHasher(),
		JWKSFetcherStrategy:            newJWKSFetcher(p.cfg.BackchannelTimeout),
		FormPostHTMLTemplate:           formPostTemplate(p.base, p.cfg.Issuer),
	}
	core := compose.NewOAuth2HMACStrategy(fc)
	store := fositestore.New(p.deps.Store, p.clients, func() fosite.Session { return openid.NewDefaultSession() },
		fositestore.Lifespans{Code: p.cfg.CodeTTL, Access: p.cfg.AccessTokenTTL, Refresh: p.cfg.RefreshTokenTTL},
		core.AuthorizeCodeSignature)
	p.tokens = store
	keyFor := func(ctx context.Context) (any, error) {
		k, _ := p.keys.For(algFrom(ctx))
		return k.JWK(), nil
	}
	strategy := &compose.CommonStrategy{
		CoreStrategy:               core,
		OpenIDConnectTokenStrategy: compose.NewOpenIDConnectStrategy(keyFor, fc),
		Signer:                     &jwt.DefaultSigner{GetPrivateKey: keyFor},
	}
	f := compose.Compose(fc, store, strategy,
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.OpenIDConnectExplicitFactory,
		compose.OpenIDConnectRefreshFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory,
	).(*fosite.Fosite)
	fc.ClientAuthenticationStrategy = authenticateClient(f.DefaultClientAuthenticationStrategy)
	return f
}

type algKey struct{}

// withAlg tells the signer which algorithm the client asked for.
func withAlg(ctx context.Context, alg string) context.Context {
	return context.WithValue(ctx, algKey{}, alg)
}

func algFrom(ctx context.Context) string {
	if a, ok := ctx.Value(algKey{}).(string); ok {
		return a
	}
	return ""
}

// Sessions returns the SSO session manager; the self-service flows call
// its StartSession when an account is activated.
func (p *Provider) Sessions() *session.Manager { return p.sessions }

// Keys returns the signing keys (for tests and the admin API).
func (p *Provider) Keys() *keys.Set { return p.keys }

func (p *Provider) themeFor(clientID string) *themes.Theme {
	if cl, ok := p.clients.get(clientID); ok && cl.Conf.Theme != "" {
		return p.deps.Themes.Get(cl.Conf.Theme)
	}
	// The default theme as it is now: the console may have put a new
	// version of it in service since the start.
	if t := p.deps.Themes.Get(p.deps.Theme.Name); t != nil {
		return t
	}
	return p.deps.Theme
}

// EndSessionsOf ends every SSO session of login wherever its browsers
// are, sends the back-channel logout of each, and revokes every refresh
// and access token of subject (the helpdesk's "end all sessions").
func (p *Provider) EndSessionsOf(ctx context.Context, login, subject string) (sessions, grants int, err error) {
	ended, err := p.sessions.EndAll(ctx, login)
	for _, s := range ended {
		p.backchannel(context.WithoutCancel(ctx), s)
	}
	if err != nil {
		return len(ended), 0, err
	}
	if subject != "" {
		grants, err = p.tokens.RevokeSubject(ctx, subject)
	}
	return len(ended), grants, err
}
