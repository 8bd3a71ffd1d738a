// Package session holds Seuil's single sign-on sessions (a cookie naming a
// server-side record in Redis, with idle and absolute timeouts) and the
// sign-in page that creates them. The provider reads sessions to answer
// authorization requests; the self-service flows call StartSession when a
// student finishes activating an account.
package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
)

// CookieName is the SSO cookie's base name (websec.Cookies adds "__Host-").
const CookieName = "seuil_sso"

// Config sets the session lifetimes and cookie flags. The tags are the
// keys of the file's oidc.session, decoded into this type.
type Config struct {
	// IdleTimeout ends a session not used for this long (default 30 min).
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// AbsoluteTimeout ends a session this long after sign-in (default 10 h).
	AbsoluteTimeout time.Duration `yaml:"absolute_timeout"`
	// AnnounceFor keeps a timed-out session's record this long (default
	// 24 h), so that its end can still be announced to its clients when
	// the browser comes back (see OnExpire).
	AnnounceFor time.Duration  `yaml:"announce_for"`
	Cookies     websec.Cookies `yaml:"-"` // server.cookie_secure
}

// Defaults are the lifetimes of a deployment that sets none.
func Defaults() Config {
	return Config{IdleTimeout: DefaultIdleTimeout, AbsoluteTimeout: DefaultAbsoluteTimeout, AnnounceFor: DefaultAnnounceFor}
}

// Session is one signed-in browser.
type Session struct {
	// SID is the session's public identifier, sent to relying parties in
	// ID tokens and logout tokens; the cookie value is never shown.
	SID      string    `json:"sid"`
	Login    string    `json:"login"`
	Subject  string    `json:"sub"`
	AuthTime time.Time `json:"auth_time"`
	AMR      []string  `json:"amr"`
	// Clients are the relying parties signed in through this session, for
	// back-channel logout.
	Clients []string `json:"clients,omitempty"`
	// Flow is the self-service flow that started the session
	// (audit.ForFlow), "" for a sign-in: its first arrival at each
	// relying party counts as the flow's last stage.
	Flow     string    `json:"flow,omitempty"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
}

// ErrNoSession means the browser has no valid session.
var ErrNoSession = errors.New("session: none")

// Manager creates, reads and ends sessions.
type Manager struct {
	st       *state.Store
	cfg      Config
	log      *slog.Logger
	onExpire func(context.Context, Session)
}

// AbsoluteTimeout is how long after sign-in a session ends, whatever
// its use; the provider ends refresh tokens by it too.
func (m *Manager) AbsoluteTimeout() time.Duration { return m.cfg.AbsoluteTimeout }

// The session lifetimes a deployment gets when it sets none (the
// configuration file takes them from here): half an hour idle, a working
// day in all, and a day to tell the relying parties of a timed-out one.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 10 * time.Hour
	DefaultAnnounceFor     = 24 * time.Hour
)

// NewManager returns a session manager storing sessions in st.
func NewManager(st *state.Store, cfg Config, log *slog.Logger) *Manager {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if cfg.AnnounceFor <= 0 {
		cfg.AnnounceFor = DefaultAnnounceFor
	}
	if log == nil {
		log = slog.Default()
	}
	return &Manager{st: st, cfg: cfg, log: log}
}

// key hashes the cookie value, so that reading Redis does not hand out
// live cookies.
func key(cookie string) string { return state.OpaqueKey("sso:", cookie) }

// StartSession signs acct in on this browser: it ends any session the
// browser had (a new ID at every sign-in, against session fixation),
// keeping its client list when the same person signs in again.
func (m *Manager) StartSession(ctx context.Context, w http.ResponseWriter, r *http.Request, acct directory.Account, amr []string) error {
	_, err := m.StartSessionFor(ctx, w, r, acct, amr, "")
	return err
}

// StartSessionFor is StartSession for a sign-in made to answer clientID's
// authorization request: the client is in the session from the start,
// which spares the authorization that follows a rewrite of the session
// (an optimistic update) to add it. It returns the session started, which
// the browser's request does not carry yet.
func (m *Manager) StartSessionFor(ctx context.Context, w http.ResponseWriter, r *http.Request, acct directory.Account, amr []string, clientID string) (Session, error) {
	if acct.Subject == "" || acct.Login == "" {
		return Session{}, errors.New("session: account without subject or login")
	}
	now := time.Now().UTC()
	s := Session{
		SID: websec.Token()[:22], Login: acct.Login, Subject: acct.Subject,
		AuthTime: now.Truncate(time.Second), AMR: slices.Clone(amr), Created: now, LastSeen: now,
		Flow: audit.FlowOf(ctx),
	}
	if old, ok := m.cfg.Cookies.Get(r, CookieName); ok {
		var prev Session
		if err := m.st.Take(ctx, key(old), &prev); err == nil {
			m.replaced(ctx, prev, &s)
		}
	}
	if clientID != "" && !slices.Contains(s.Clients, clientID) {
		s.Clients = append(s.Clients, clientID)
	}
	token := websec.Token()
	// The record, and in the same round trip the SID index (a relying
	// party's server ends the session it names, EndSID; it holds the
	// record's key, a hash, not the cookie) and the login index (the
	// helpdesk counts and ends a person's sessions: SIDs, never cookies).
	index := m.cfg.AbsoluteTimeout + m.cfg.AnnounceFor
	if err := m.st.Batch(ctx, func(b *state.Batch) {
		b.Put(key(token), s, m.ttl(s, now))
		b.Put(sidKey(s.SID), key(token), index)
		b.AddToSet(loginKey(acct.Login), s.SID, index)
	}); err != nil {
		return Session{}, fmt.Errorf("session: start: %w", err)
	}
	m.cfg.Cookies.Set(w, CookieName, token, 0)
	m.log.InfoContext(ctx, "sso session started", "login", acct.Login, "amr", amr)
	return s, nil
}

// ttl is the time the record may live: the idle timeout, capped by the
// absolute one, and then AnnounceFor (see expire).
func (m *Manager) ttl(s Session, now time.Time) time.Duration {
	left := s.Created.Add(m.cfg.AbsoluteTimeout).Sub(now)
	return min(left, m.cfg.IdleTimeout) + m.cfg.AnnounceFor
}

// Current returns the browser's session, or ErrNoSession. It extends the
// idle timeout (at most once a minute, to spare a write per request).
func (m *Manager) Current(ctx context.Context, r *http.Request) (Session, error) {
	tok, ok := m.cfg.Cookies.Get(r, CookieName)
	if !ok {
		return Session{}, ErrNoSession
	}
	var s Session
	err := m.st.Get(ctx, key(tok), &s)
	if errors.Is(err, state.ErrNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	now := time.Now().UTC()
	if m.timedOut(s, now) {
		m.expire(ctx, key(tok))
		return Session{}, ErrNoSession
	}
	if now.Sub(s.LastSeen) > time.Minute {
		// Best effort, and through Update so that a concurrent AddClient
		// is not overwritten: a lost touch only shortens the session.
		var cur Session
		_ = m.st.Update(ctx, key(tok), &cur, m.ttl(s, now), func() error {
			cur.LastSeen = now
			return nil
		})
		s.LastSeen = now
	}
	return s, nil
}

// AddClient records that clientID was signed in through the browser's
// session (for back-channel logout).
func (m *Manager) AddClient(ctx context.Context, r *http.Request, clientID string) error {
	tok, ok := m.cfg.Cookies.Get(r, CookieName)
	if !ok {
		return ErrNoSession
	}
	var s Session
	for range 3 {
		err := m.st.Update(ctx, key(tok), &s, 0, func() error {
			if slices.Contains(s.Clients, clientID) {
				return errUnchanged
			}
			s.Clients = append(s.Clients, clientID)
			return nil
		})
		if !errors.Is(err, state.ErrConflict) {
			if errors.Is(err, errUnchanged) {
				return nil
			}
			return err
		}
	}
	return state.ErrConflict
}

var errUnchanged = errors.New("unchanged")

func sidKey(sid string) string { return "sso-sid:" + sid }

func loginKey(login string) string { return "sso-login:" + strings.ToUpper(login) }

// Of returns the live sessions of login (the helpdesk's view), dropping
// from the index those that ended.
func (m *Manager) Of(ctx context.Context, login string) ([]Session, error) {
	sids, err := m.st.Members(ctx, loginKey(login))
	if err != nil {
		return nil, fmt.Errorf("session: of %s: %w", login, err)
	}
	var out []Session
	now := time.Now().UTC()
	for _, sid := range sids {
		var k string
		var s Session
		err := m.st.Get(ctx, sidKey(sid), &k)
		if err == nil {
			err = m.st.Get(ctx, k, &s)
		}
		if errors.Is(err, state.ErrNotFound) || err == nil && (s.SID != sid || m.timedOut(s, now)) {
			_ = m.st.RemoveFromSet(ctx, loginKey(login), sid)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// EndAll ends every session of login and returns them, so the caller can
// tell their relying parties.
func (m *Manager) EndAll(ctx context.Context, login string) ([]Session, error) {
	live, err := m.Of(ctx, login)
	if err != nil {
		return nil, err
	}
	var out []Session
	for _, s := range live {
		ended, err := m.EndSID(ctx, s.SID)
		if errors.Is(err, ErrNoSession) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, ended)
	}
	_ = m.st.Delete(ctx, loginKey(login))
	return out, nil
}

// AddAMR records on the browser's session that its holder also proved
// methods (a staff member's second factor: "otp" and "mfa"), so that ID
// tokens and the console see it.
func (m *Manager) AddAMR(ctx context.Context, r *http.Request, methods ...string) error {
	tok, ok := m.cfg.Cookies.Get(r, CookieName)
	if !ok {
		return ErrNoSession
	}
	var s Session
	err := m.st.Update(ctx, key(tok), &s, 0, func() error {
		n := len(s.AMR)
		for _, method := range methods {
			if !slices.Contains(s.AMR, method) {
				s.AMR = append(s.AMR, method)
			}
		}
		if len(s.AMR) == n {
			return errUnchanged
		}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if errors.Is(err, state.ErrNotFound) {
		return ErrNoSession
	}
	return err
}

// EndSID ends the session whose SID is sid, wherever its browser is: a
// relying party's server logging its user out with an id_token_hint
// (RP-Initiated Logout 1.0 §2) sends no cookie. ErrNoSession when it has
// already ended.
func (m *Manager) EndSID(ctx context.Context, sid string) (Session, error) {
	var k string
	err := m.st.Take(ctx, sidKey(sid), &k)
	if errors.Is(err, state.ErrNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	var s Session
	err = m.st.Take(ctx, k, &s)
	if errors.Is(err, state.ErrNotFound) || err == nil && s.SID != sid {
		return Session{}, ErrNoSession
	}
	if err == nil {
		m.log.InfoContext(ctx, "sso session ended by its relying party", "login", s.Login)
	}
	return s, err
}

// End deletes the browser's session and its cookie and returns what it
// was, so the caller can notify the clients signed in through it.
func (m *Manager) End(ctx context.Context, w http.ResponseWriter, r *http.Request) (Session, error) {
	m.cfg.Cookies.Clear(w, CookieName)
	tok, ok := m.cfg.Cookies.Get(r, CookieName)
	if !ok {
		return Session{}, ErrNoSession
	}
	var s Session
	err := m.st.Take(ctx, key(tok), &s)
	if errors.Is(err, state.ErrNotFound) {
		return Session{}, ErrNoSession
	}
	if err == nil {
		_ = m.st.Delete(ctx, sidKey(s.SID))
		m.log.InfoContext(ctx, "sso session ended", "login", s.Login)
	}
	return s, err
}
