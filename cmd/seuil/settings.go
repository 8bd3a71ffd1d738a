package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/notify"
	ldapdir "github.com/seuil-idp/seuil/idp/directory/ldap"
	"github.com/seuil-idp/seuil/idp/provider"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/staff"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/ldapsync"
)

// settings is what the configuration gives each component, in the
// components' own types: the one place where a key of seuil.yaml becomes
// a component's setting. serve, demo, sync and remind open their
// components from it rather than from the configuration, so that
// TestEveryKeyReachesAComponent, which changes each key of the file in
// turn and looks for the change here, covers every way a key can go.
// Nothing here dials or reads a file: it is values only.
type settings struct {
	Server    serverSettings
	Log       config.Log
	Redis     redisSettings
	Limits    regulation.Rules
	Directory directorySettings
	Students  studentSettings
	Mail      mailSettings
	SMS       smsSettings
	Flows     flows.Config
	Themes    themeSettings
	Provider  provider.Config
	Sync      ldapsync.Options
	Console   consoleSettings
	Audit     auditSettings
	Passkeys  bool
	Keys      derivedKeys
}

type serverSettings struct {
	Addr, MetricsAddr string
	Pprof             bool // /debug/pprof/ on MetricsAddr
	Shutdown          time.Duration
	Public            url.URL
	Prefix            string // the public URL's path, every route's prefix
	Proxies           []netip.Prefix
	Cookies           websec.Cookies
}

type redisSettings struct {
	// Options are go-redis's, without TLSConfig, which TLS makes.
	Options   redis.UniversalOptions
	TLS       *redisTLS
	KeyPrefix string
}

type redisTLS struct{ ServerName, CAFile string }

type directorySettings struct {
	Embedded string          // the embedded store's file, or ""
	LDAP     *ldapdir.Config // without its logger
}

type studentSettings struct {
	Kind        string
	Source      any // the kind's own configuration (students.CSVConfig, …)
	CacheMaxAge time.Duration
}

type mailSettings struct {
	SMTP   *notify.SMTPConfig
	Outbox bool
	Wait   time.Duration // past it, a mail is sent in the background
}

type smsSettings struct {
	HTTP    *notify.HTTPSMSConfig
	Secrets map[string]string // sms.http.secrets, for {{secret "name"}}
	Guard   notify.GuardConfig
	Outbox  bool
	Wait    time.Duration         // past it, an SMS is sent in the background
	Reports *notify.ReportsConfig // the provider's delivery reports, or nil
}

// secret is the templates' {{secret "name"}}.
func (s smsSettings) secret(name string) (string, error) {
	if v, ok := s.Secrets[name]; ok && v != "" {
		return v, nil
	}
	return "", fmt.Errorf("sms.http.secrets.%s is not set", name)
}

type themeSettings struct{ Dir, Default string }

type consoleSettings struct {
	Roles staff.Config
	// CredentialsKey seals staff factors and passkeys; KeyErr says why
	// it is missing (load refuses a bad key where one is needed).
	CredentialsKey []byte
	KeyErr         string
	PricePerSMS    float64
}

// credentialsKey returns the sealing key or why there is none.
func (c consoleSettings) credentialsKey() ([]byte, error) {
	if c.CredentialsKey == nil {
		return nil, fmt.Errorf("staff.credentials_key: %s", c.KeyErr)
	}
	return c.CredentialsKey, nil
}

type auditSettings struct {
	Store, File, DSN, Table string
	Retention               time.Duration
}

// derivedKeys are the keys made from oidc.secret, one per purpose, so
// that one secret is configured, not one per purpose.
type derivedKeys struct {
	Limits, Helpdesk, Console, Account []byte
	Sends                              []byte // seals the messages kept for a background send
}

func derive(secret, purpose string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// settingsOf maps a loaded configuration onto the components' settings.
func settingsOf(cfg *config.Config) settings {
	pub, _ := url.Parse(cfg.Server.PublicURL)
	if pub == nil {
		pub = &url.URL{}
	}
	prefix := cfg.Server.Prefix()
	s := settings{
		Server: serverSettings{
			Addr: cfg.Server.Addr, MetricsAddr: cfg.Server.MetricsAddr, Pprof: cfg.Server.Pprof, Shutdown: cfg.Server.ShutdownTimeout.D(),
			Public: *pub, Prefix: prefix, Proxies: trustedProxies(cfg.Server.TrustedProxies),
			Cookies: websec.Cookies{Secure: cfg.Server.CookieSecure},
		},
		Log:       cfg.Log,
		Redis:     redisSettingsOf(cfg.Redis),
		Limits:    cfg.Limits.Regulation().WithDefaults(),
		Directory: directorySettings{},
		Students:  studentSettings{Kind: cfg.Students.Kind(), CacheMaxAge: cfg.Students.Cached()},
		Mail:      mailSettings{Outbox: cfg.Mail.Outbox, Wait: cfg.Mail.Wait.D()},
		SMS:       smsSettings{Guard: cfg.SMS.GuardConfig, Outbox: cfg.SMS.Outbox, Wait: cfg.SMS.Wait.D()},
		Themes:    themeSettings{Dir: cfg.Themes.Dir, Default: cfg.Flows.Theme},
		Provider:  providerConfig(cfg),
		Console:   consoleSettings{Roles: cfg.Staff.Config, PricePerSMS: cfg.SMS.PricePerSMS},
		Audit: auditSettings{Store: cfg.Audit.Store, File: cfg.Audit.File, DSN: cfg.Audit.DSN.Value(), Table: cfg.Audit.Table,
			Retention: time.Duration(cfg.Audit.RetentionDays) * 24 * time.Hour},
		Passkeys: cfg.Passkeys.Enabled,
		Keys: derivedKeys{
			Limits: derive(cfg.OIDC.Secret.Value(), "seuil regulation keys"), Helpdesk: derive(cfg.OIDC.Secret.Value(), "seuil helpdesk codes"),
			Console: derive(cfg.OIDC.Secret.Value(), "seuil console forms"), Account: derive(cfg.OIDC.Secret.Value(), "seuil account forms"),
			Sends: derive(cfg.OIDC.Secret.Value(), "seuil deferred sends"),
		},
	}
	if sec := cfg.Students.Section(); sec != nil {
		s.Students.Source = sec.Settings()
	}
	if e := cfg.Directory.Embedded; e != nil {
		s.Directory.Embedded = e.Path
	}
	if l := cfg.Directory.LDAP; l != nil {
		lc := ldapConfig(l)
		s.Directory.LDAP = &lc
	}
	if m := cfg.Mail.SMTP; m != nil {
		s.Mail.SMTP = &notify.SMTPConfig{Host: m.Host, Port: m.Port, Username: m.Username,
			Password: m.Password.Value(), From: m.From, TLS: m.TLS, CAFile: m.CAFile, Timeout: m.Timeout.D()}
	}
	if h := cfg.SMS.HTTP; h != nil {
		hc := h.HTTPSMSConfig
		s.SMS.HTTP = &hc
		s.SMS.Secrets = map[string]string{}
		for name, v := range h.Secrets {
			s.SMS.Secrets[name] = v.Value()
		}
		if rp := h.Reports; rp != nil {
			s.SMS.Reports = &notify.ReportsConfig{Token: rp.Token.Value(), Header: rp.Header, IDField: rp.IDField,
				StatusField: rp.StatusField, Delivered: rp.Delivered, Undelivered: rp.Undelivered}
		}
	}
	if key, err := cfg.Staff.Key(); err == nil {
		s.Console.CredentialsKey = key
	} else {
		s.Console.KeyErr = err.Error()
	}
	passkeysPath := ""
	if cfg.Staff.Enabled() {
		s.Provider.ConsolePath = prefix + "/admin/"
	}
	if cfg.Passkeys.Enabled {
		passkeysPath = prefix + "/passkeys"
		s.Provider.PasskeysPath, s.Provider.AccountPath = passkeysPath, prefix+"/account"
	}
	s.Flows = flows.Config{
		DefinitionsDir: cfg.Flows.Dir, Preview: cfg.Flows.Preview, HSTS: pub.Scheme == "https", BasePath: prefix,
		SignInPath: prefix + "/login", LoginPattern: cfg.Sync.LoginPattern, PasskeysPath: passkeysPath,
	}
	s.Sync = ldapsync.Options{LoginPattern: cfg.Sync.LoginPattern, Left: ldapsync.LeftPolicy(cfg.Sync.LeftPolicy),
		MaxLeft: cfg.Sync.MaxLeft, Workers: cfg.Sync.Workers}
	if s.Directory.LDAP != nil {
		s.Sync.Directory = *s.Directory.LDAP
	}
	return s
}

// resetURL is where a student changes a password (reminders, helpdesk).
func (s serverSettings) resetURL() string {
	return strings.TrimRight(s.Public.String(), "/") + "/reset"
}

func redisSettingsOf(c config.Redis) redisSettings {
	s := redisSettings{
		Options: redis.UniversalOptions{
			Addrs: c.Addrs, MasterName: c.MasterName,
			Username: c.Username, Password: c.Password.Value(),
			SentinelPassword: c.SentinelPassword.Value(), DB: c.DB,
			DialTimeout: c.DialTimeout.D(), ReadTimeout: c.ReadTimeout.D(), WriteTimeout: c.WriteTimeout.D(),
		},
		KeyPrefix: c.KeyPrefix,
	}
	if c.TLS.Enabled {
		s.TLS = &redisTLS{ServerName: c.TLS.ServerName, CAFile: c.TLS.CAFile}
	}
	return s
}

// providerConfig maps the oidc section onto the provider's configuration.
func providerConfig(cfg *config.Config) provider.Config {
	o := cfg.OIDC
	issuer := o.Issuer
	if issuer == "" {
		issuer = cfg.Server.PublicURL
	}
	sess := o.Session
	sess.Cookies = websec.Cookies{Secure: cfg.Server.CookieSecure} // server.cookie_secure governs every cookie
	pc := provider.Config{
		Issuer: issuer, Secret: o.Secret.Value(),
		Keys:      provider.KeysConfig{Files: o.Files(), Retiring: o.RetiringFiles(), Dir: o.KeysDir, Active: o.ActiveKey},
		Lifetimes: o.Lifetimes, Session: sess,
		LoginPattern: cfg.Sync.LoginPattern,
	}
	for _, c := range o.Clients {
		secret := c.Secret.Value()
		if c.SecretHash != "" {
			secret = c.SecretHash
		}
		pc.Clients = append(pc.Clients, provider.ClientConfig{
			ID: c.ID, Name: c.Name, Secret: secret, Public: c.Public, RedirectURIs: c.RedirectURIs,
			PostLogoutRedirectURIs: c.PostLogoutRedirectURIs, Scopes: c.Scopes,
			InitiateLoginURI: c.InitiateLoginURI, BackchannelLogoutURI: c.BackchannelLogoutURI,
			Theme: c.Theme, Claims: c.Claims, SigningAlg: c.IDTokenSignedResponseAlg,
			TokenEndpointAuthMethod: c.TokenEndpointAuthMethod, JWKS: c.JWKS, JWKSURI: c.JWKSURI, TokenEndpointAuthSigningAlg: c.TokenEndpointAuthSigningAlg, LandingURI: c.LandingURI,
			GrantTypes: c.GrantTypes, Native: c.Native, PKCEOptional: c.PKCEOptional,
			AllowedOrigins: c.AllowedOrigins, ResourceServer: c.ResourceServer,
		})
	}
	return pc
}

// ldapConfig maps directory.ldap onto the directory's configuration
// (without its logger, which the caller adds).
func ldapConfig(l *config.LDAPDirectory) ldapdir.Config {
	return ldapdir.Config{
		WriteURL: l.URL, ReadURLs: l.ReadURLs, BindDN: l.BindDN, BindPassword: l.BindPassword.Value(),
		BaseDN: l.BaseDN, Domain: l.MailDomain, DefaultPolicyDN: l.DefaultPolicyDN, PolicyDN: l.PolicyDN,
		StartTLS: l.StartTLS, CAFile: l.CAFile, InsecureSkipVerify: l.InsecureSkipVerify,
		DialTimeout: l.DialTimeout.D(), OpTimeout: l.OpTimeout.D(), PoolSize: l.PoolSize,
		HistoryCheck: ldapdir.HistoryCheck(l.HistoryCheck), Attributes: l.Attributes,
	}
}
