package session

import (
	"context"
	"time"
)

// Timed-out sessions. Redis cannot cheaply tell us when a record expires
// (keyspace notifications are lossy and per node), so a session's end by
// timeout is noticed when its browser comes back: its record outlives the
// timeout by Config.AnnounceFor, and the first request that finds it timed
// out takes it and hands it to the OnExpire hook (the provider's
// back-channel logout). A session whose browser never comes back within
// AnnounceFor is never announced: its relying parties learn of it only
// when their own sessions or refresh tokens run out.

// OnExpire sets the function called, once, with a session that ended
// without a logout: found timed out, or replaced by another person's
// sign-in on the same browser. Set it before serving requests.
func (m *Manager) OnExpire(f func(context.Context, Session)) { m.onExpire = f }

// timedOut reports whether s has passed its idle or absolute timeout.
func (m *Manager) timedOut(s Session, now time.Time) bool {
	return now.Sub(s.Created) >= m.cfg.AbsoluteTimeout || now.Sub(s.LastSeen) >= m.cfg.IdleTimeout
}

// expire deletes the record under k and announces it. Take is atomic, so
// of concurrent requests finding the same timed-out session only one
// announces it.
func (m *Manager) expire(ctx context.Context, k string) {
	var s Session
	if err := m.st.Take(ctx, k, &s); err != nil {
		return // gone already, or Redis is down: nothing to announce
	}
	m.log.InfoContext(ctx, "sso session timed out", "login", s.Login, "clients", len(s.Clients))
	if m.onExpire != nil && len(s.Clients) > 0 {
		m.onExpire(ctx, s)
	}
}

// replaced handles the session a new sign-in replaces: the same person
// keeps its clients (still signed in there); another person's, or one
// timed out, ends and is announced.
func (m *Manager) replaced(ctx context.Context, prev Session, next *Session) {
	if prev.Subject == next.Subject && !m.timedOut(prev, time.Now().UTC()) {
		next.Clients = prev.Clients
		return
	}
	if m.onExpire != nil && len(prev.Clients) > 0 {
		m.onExpire(ctx, prev)
	}
}
