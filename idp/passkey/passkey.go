// Package passkey lets a student sign in with a passkey (WebAuthn
// discoverable credential, github.com/go-webauthn/webauthn) instead of
// typing the password: registered right after activation, from the done
// screen, or later from the "Mon compte" page reached through SSO;
// offered on the sign-in page, with the password as the fallback; listed
// and removed on "Mon compte".
//
// Passkeys live in the durable per-account credential store
// (idp/credentials), sealed like the staff's second factors. The user
// handle is the login sealed deterministically (Vault.UserHandle), so a
// discoverable credential names its account without a directory index
// and without personal data on the authenticator.
//
// The ceremonies are JSON POSTs from the theme's script: refused
// cross-origin (websec.CrossOrigin, as every form) and unless the body is
// JSON (a form cannot send it without a CORS preflight, which nothing
// grants). Each ceremony's challenge is kept in Redis, single use: bound
// to the SSO session for a registration, to a random ceremony id for a
// sign-in.
package passkey

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/credentials"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// Sessions is the part of session.Manager passkeys use.
type Sessions interface {
	Current(ctx context.Context, r *http.Request) (session.Session, error)
	StartSession(ctx context.Context, w http.ResponseWriter, r *http.Request, acct directory.Account, amr []string) error
	GetPending(ctx context.Context, id string) (session.Pending, error)
}

// Accounts finds the account a passkey signs in to.
type Accounts interface {
	FindByLogin(ctx context.Context, login string) (directory.Account, error)
}

// Config says who the relying party is and where the pages are.
type Config struct {
	// RPID is the WebAuthn relying party id: the public URL's host.
	RPID string
	// Origin is the public URL's origin (scheme://host[:port]).
	Origin string
	// RPName is shown by some authenticators ("Université de Tours").
	RPName string
	// BasePath is the public prefix ("" or "/seuil"); LoginPath and
	// ResumePath are the sign-in page and the pending authorization's
	// resume URL, prefix included.
	BasePath, LoginPath, ResumePath string
}

// Deps are what passkeys work with.
type Deps struct {
	Sessions Sessions
	Accounts Accounts
	Vault    *credentials.Vault
	Store    *state.Store
	Theme    *themes.Theme
	Cookies  websec.Cookies
	Trail    *audit.Trail
	// Secret keys the "Mon compte" forms' tokens (≥ 16 bytes, shared by
	// replicas).
	Secret []byte
	Logger *slog.Logger
}

// Handler serves /passkeys/ and /account.
type Handler struct {
	cfg Config
	d   Deps
	wa  *webauthn.WebAuthn
	h   http.Handler
}

// ceremonyTTL bounds a ceremony: the time to touch the authenticator.
const ceremonyTTL = 5 * time.Minute

// RecentSignIn is how recent the session's sign-in must be to add a
// passkey: a stolen session must not become a lasting way in. The done
// screen, right after activation, always is; "Mon compte" later asks
// the student to sign in again.
const RecentSignIn = 15 * time.Minute

// New returns the handler.
func New(cfg Config, d Deps) (*Handler, error) {
	if d.Vault == nil || d.Store == nil || d.Sessions == nil || d.Accounts == nil || d.Theme == nil || len(d.Secret) < 16 {
		return nil, errors.New("passkey: missing dependencies")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID: cfg.RPID, RPDisplayName: cfg.RPName, RPOrigins: []string{cfg.Origin},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationPreferred,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: %w", err)
	}
	p := &Handler{cfg: cfg, d: d, wa: wa}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /passkeys/register/options", p.json(p.registerOptions))
	mux.HandleFunc("POST /passkeys/register", p.json(p.register))
	mux.HandleFunc("POST /passkeys/login/options", p.json(p.loginOptions))
	mux.HandleFunc("POST /passkeys/login", p.json(p.login))
	mux.HandleFunc("GET /account", p.account)
	mux.HandleFunc("POST /account/passkeys/delete", p.remove)
	cross, err := websec.CrossOrigin(nil)
	if err != nil {
		return nil, err
	}
	p.h = websec.Headers(d.Cookies.Secure)(cross(mux))
	return p, nil
}

func (p *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	websec.NoStore(w)
	p.h.ServeHTTP(w, r)
}

// user is an account as go-webauthn sees it.
type user struct {
	login  string
	handle []byte
	creds  []stored
}

// stored is one passkey of the vault with its WebAuthn record.
type stored struct {
	meta credentials.Credential
	cred webauthn.Credential
}

func (u *user) WebAuthnID() []byte          { return u.handle }
func (u *user) WebAuthnName() string        { return u.login }
func (u *user) WebAuthnDisplayName() string { return u.login }
func (u *user) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(u.creds))
	for i, c := range u.creds {
		out[i] = c.cred
	}
	return out
}

// load reads an account's passkeys from the vault.
func (p *Handler) load(ctx context.Context, login string) (*user, error) {
	handle, err := p.d.Vault.UserHandle(login)
	if err != nil {
		return nil, err
	}
	all, err := p.d.Vault.List(ctx, login)
	if err != nil {
		return nil, err
	}
	u := &user{login: login, handle: handle}
	for _, c := range all {
		if c.Kind != credentials.KindPasskey {
			continue
		}
		var wc webauthn.Credential
		if err := json.Unmarshal(c.Secret, &wc); err != nil {
			return nil, fmt.Errorf("passkey: stored credential %s: %w", c.ID, err)
		}
		u.creds = append(u.creds, stored{meta: c, cred: wc})
	}
	return u, nil
}

// failure is a refusal the script shows: a code the page translates.
type failure struct {
	status int
	code   string // no_session, expired, refused, unknown_key, locked
}

func (f *failure) Error() string { return "passkey: " + f.code }

// json wraps a ceremony step: a JSON body is required, the answer is
// JSON, and a failure is {"error": code} with its status.
func (p *Handler) json(step func(w http.ResponseWriter, r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(ct) != "application/json" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "refused"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		out, err := step(w, r)
		var f *failure
		switch {
		case err == nil:
			_ = json.NewEncoder(w).Encode(out)
		case errors.As(err, &f):
			w.WriteHeader(f.status)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": f.code})
		default:
			p.d.Logger.ErrorContext(r.Context(), "passkey", "err", err)
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "internal"})
		}
	}
}

func regKey(sid string) string        { return "passkey:reg:" + sid }
func loginKey(ceremony string) string { return "passkey:login:" + ceremony }

// registerOptions starts a registration for the signed-in account.
func (p *Handler) registerOptions(w http.ResponseWriter, r *http.Request) (any, error) {
	s, err := p.d.Sessions.Current(r.Context(), r)
	if err != nil {
		return nil, &failure{http.StatusUnauthorized, "no_session"}
	}
	if time.Since(s.AuthTime) > RecentSignIn {
		return nil, &failure{http.StatusForbidden, "reauth"}
	}
	u, err := p.load(r.Context(), s.Login)
	if err != nil {
		return nil, err
	}
	creation, sd, err := p.wa.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(u.WebAuthnCredentials()).CredentialDescriptors()))
	if err != nil {
		return nil, fmt.Errorf("passkey: begin registration: %w", err)
	}
	if err := p.d.Store.Put(r.Context(), regKey(s.SID), sd, ceremonyTTL); err != nil {
		return nil, err
	}
	return creation, nil
}

// register checks the authenticator's answer and stores the passkey.
func (p *Handler) register(w http.ResponseWriter, r *http.Request) (any, error) {
	ctx := r.Context()
	s, err := p.d.Sessions.Current(ctx, r)
	if err != nil {
		return nil, &failure{http.StatusUnauthorized, "no_session"}
	}
	if time.Since(s.AuthTime) > RecentSignIn {
		return nil, &failure{http.StatusForbidden, "reauth"}
	}
	var sd webauthn.SessionData
	if err := p.d.Store.Take(ctx, regKey(s.SID), &sd); err != nil {
		return nil, &failure{http.StatusBadRequest, "expired"}
	}
	u, err := p.load(ctx, s.Login)
	if err != nil {
		return nil, err
	}
	cred, err := p.wa.FinishRegistration(u, sd, r)
	if err != nil {
		p.d.Logger.InfoContext(ctx, "passkey registration refused", "login", s.Login, "err", err)
		return nil, &failure{http.StatusBadRequest, "refused"}
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return nil, err
	}
	c, err := p.d.Vault.Put(ctx, s.Login, credentials.Credential{Kind: credentials.KindPasskey, Secret: record,
		Counter: int64(cred.Authenticator.SignCount)})
	if err != nil {
		return nil, err
	}
	_ = p.d.Trail.Record(ctx, audit.Event{Kind: audit.KindPasskey, Outcome: "registered", Login: s.Login, Detail: c.ID})
	p.d.Logger.InfoContext(ctx, "passkey registered", "login", s.Login, "id", c.ID)
	return map[string]string{"id": c.ID}, nil
}

// loginOptions starts a discoverable sign-in.
func (p *Handler) loginOptions(w http.ResponseWriter, r *http.Request) (any, error) {
	assertion, sd, err := p.wa.BeginDiscoverableLogin()
	if err != nil {
		return nil, fmt.Errorf("passkey: begin login: %w", err)
	}
	ceremony := websec.Token()
	if err := p.d.Store.Put(r.Context(), loginKey(ceremony), sd, ceremonyTTL); err != nil {
		return nil, err
	}
	return map[string]any{"ceremony": ceremony, "options": assertion}, nil
}

// login checks the assertion, starts the SSO session and says where to
// go: the pending authorization (?id=) or the sign-in page.
func (p *Handler) login(w http.ResponseWriter, r *http.Request) (any, error) {
	ctx := r.Context()
	var sd webauthn.SessionData
	if err := p.d.Store.Take(ctx, loginKey(r.URL.Query().Get("ceremony")), &sd); err != nil {
		return nil, &failure{http.StatusBadRequest, "expired"}
	}
	var u *user
	found, cred, err := p.wa.FinishPasskeyLogin(func(rawID, handle []byte) (webauthn.User, error) {
		login, err := p.d.Vault.HandleLogin(handle)
		if err != nil {
			return nil, err
		}
		if u, err = p.load(ctx, login); err != nil {
			return nil, err
		}
		return u, nil
	}, sd, r)
	if err != nil || found == nil || u == nil {
		// A removed passkey, one of another Seuil, or a bad signature.
		p.d.Logger.InfoContext(ctx, "passkey sign-in refused", "err", err)
		_ = p.d.Trail.Record(ctx, audit.Event{Kind: audit.KindSignIn, Outcome: "failed", Detail: "passkey"})
		return nil, &failure{http.StatusUnauthorized, "unknown_key"}
	}
	if cred.Authenticator.CloneWarning {
		p.d.Logger.WarnContext(ctx, "passkey sign count went back: refused as a possible clone", "login", u.login)
		return nil, &failure{http.StatusUnauthorized, "refused"}
	}
	acct, err := p.d.Accounts.FindByLogin(ctx, u.login)
	if err != nil || acct.State != directory.StateActive {
		return nil, &failure{http.StatusForbidden, "locked"}
	}
	for _, s := range u.creds {
		if string(s.cred.ID) == string(cred.ID) {
			s.meta.Counter, s.meta.LastUsed = int64(cred.Authenticator.SignCount), time.Now().UTC().Truncate(time.Second)
			if s.meta.Secret, err = json.Marshal(cred); err != nil {
				return nil, err
			}
			if _, err := p.d.Vault.Put(ctx, u.login, s.meta); err != nil {
				return nil, err
			}
		}
	}
	// RFC 8176: a key held in hardware, the user present; with user
	// verification (a PIN or biometrics on the device), two factors.
	amr := []string{"hwk", "user"}
	if cred.Flags.UserVerified {
		amr = append(amr, "mfa")
	}
	if err := p.d.Sessions.StartSession(ctx, w, r, acct, amr); err != nil {
		return nil, err
	}
	_ = p.d.Trail.Record(ctx, audit.Event{Kind: audit.KindSignIn, Login: acct.Login, Student: acct.StudentID, Detail: "passkey"})
	next := p.cfg.LoginPath
	if id := r.URL.Query().Get("id"); id != "" {
		if _, err := p.d.Sessions.GetPending(ctx, id); err == nil {
			next = p.cfg.ResumePath + "?id=" + url.QueryEscape(id)
		}
	}
	return map[string]string{"redirect": next}, nil
}

// token is the "Mon compte" forms' anti-CSRF token, bound to the session.
func (p *Handler) token(s session.Session) string {
	mac := hmac.New(sha256.New, p.d.Secret)
	mac.Write([]byte("seuil account csrf\x00" + s.SID))
	return hex.EncodeToString(mac.Sum(nil))
}
