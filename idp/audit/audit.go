// Package audit is Seuil's audit trail: append-only events for every
// security-relevant action, the student's (flow steps, codes, sign-ins,
// blocks) and the staff's (who did what to whom, why, with what outcome).
//
// Each event is written twice: as a JSON log line (logger group "audit",
// for a SIEM) and to a durable Store (PostgreSQL in production, a JSON
// Lines file for the demo or a single host) that the staff console reads
// and exports. Events never hold a code, password, token or cookie, and
// contacts only masked: Record refuses nothing, so callers must not put
// them there (the leak test checks the whole trail).
package audit

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"time"
)

// Event is one audited action.
type Event struct {
	Time time.Time `json:"time"`
	// Kind says what happened: "flow.started", "flow.identify",
	// "code.sent", "signin", "staff.unblock"… (see the Kind constants).
	Kind string `json:"kind"`
	// Outcome is "ok" or why not: "mismatch", "limited", "wrong_code",
	// "refused", "failed"…
	Outcome string `json:"outcome"`
	// Student and Login name the student concerned (either may be
	// empty: a sign-in knows only the login).
	Student string `json:"student,omitempty"`
	Login   string `json:"login,omitempty"`
	// Actor is the staff member who acted; empty for the student's own.
	Actor string `json:"actor,omitempty"`
	Flow  string `json:"flow,omitempty"`
	// Detail is short, free of secrets: a channel and masked
	// destination, the rules a password broke, the provider's answer.
	Detail string `json:"detail,omitempty"`
	// Reason is what the staff member typed to justify the action.
	Reason string `json:"reason,omitempty"`
	// Ref is the reference shown to a student who was turned away,
	// which the helpdesk types to find the case.
	Ref       string `json:"ref,omitempty"`
	IP        string `json:"ip,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	// Took is, for a step done, the time its screen was open: what the
	// campaign's figures add up (idp/funnel). Not kept in the trail.
	Took time.Duration `json:"-"`
}

// Kinds of event.
const (
	KindFlowStarted = "flow.started"
	KindStep        = "flow.step" // Detail: the step; Outcome: what came of it
	KindCodeSent    = "code.sent"
	KindTurnedAway  = "flow.turned_away"
	KindSignIn      = "signin"
	KindLanded      = "flow.landed"  // a flow's student signed in at a relying party; Detail: the client
	KindPasskey     = "passkey"      // Outcome: registered or removed; Detail: its id
	KindStaffSignIn = "staff.signin" // the second factor
	KindStaffEnrol  = "staff.enrol"
	KindStaffReset  = "staff.reset_factor"
	KindLookup      = "staff.lookup"
	KindReveal      = "staff.reveal"
	KindUnblock     = "staff.unblock"
	KindEndSessions = "staff.end_sessions"
	KindResend      = "staff.resend"
	KindStartReset  = "staff.start_reset"
	KindExport      = "staff.export"
	KindFlowChange  = "staff.flow_change"  // Flow: the definition; Detail: the new version and its changed lines
	KindThemeChange = "staff.theme_change" // Detail: the theme, its new version and its changed lines
)

// Filter selects events. Zero fields select everything.
type Filter struct {
	// Subjects match the Student or the Login of an event (a case is
	// looked up by both its student number and its login).
	Subjects []string
	Actor    string
	Kind     string // exact, or a prefix ending in "." ("staff.")
	Ref      string
	From, To time.Time // From ≤ Time < To
	// Limit bounds the events returned (0: all).
	Limit int
}

// Match reports whether e passes f (the file store filters with it; SQL
// stores translate f into a query and must agree with it).
func (f Filter) Match(e Event) bool {
	if len(f.Subjects) > 0 {
		ok := false
		for _, s := range f.Subjects {
			if s != "" && (e.Student == s || e.Login == s) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	switch {
	case f.Actor != "" && e.Actor != f.Actor,
		f.Ref != "" && e.Ref != f.Ref,
		f.Kind != "" && !kindMatches(f.Kind, e.Kind),
		!f.From.IsZero() && e.Time.Before(f.From),
		!f.To.IsZero() && !e.Time.Before(f.To):
		return false
	}
	return true
}

func kindMatches(want, kind string) bool {
	if strings.HasSuffix(want, ".") {
		return strings.HasPrefix(kind, want)
	}
	return kind == want
}

// Store keeps events durably.
type Store interface {
	Append(ctx context.Context, e Event) error
	// Query calls fn with the events f selects, newest first, as they
	// are read (an export never holds them all in memory).
	Query(ctx context.Context, f Filter, fn func(Event) error) error
	// Prune deletes the events older than before.
	Prune(ctx context.Context, before time.Time) (int64, error)
}

// Trail records events to the log and the store.
type Trail struct {
	store     Store
	log       *slog.Logger
	retention time.Duration
	now       func() time.Time
	observe   func(Event)
}

// Observe has fn told of every event recorded, before it is stored (the
// metrics count them). fn must be quick and must not keep personal data:
// it gets the whole event, student number included.
func (t *Trail) Observe(fn func(Event)) {
	if t != nil {
		t.observe = fn
	}
}

// DefaultRetention keeps events six months, the lower bound of the CNIL's
// recommendation on logging (délibération n° 2021-122: traces kept from
// six months to a year, unless a law requires otherwise).
const DefaultRetention = 183 * 24 * time.Hour

// New returns a trail over store (nil: the log only, and Query finds
// nothing). retention ≤ 0 takes DefaultRetention.
func New(store Store, log *slog.Logger, retention time.Duration) *Trail {
	if retention <= 0 {
		retention = DefaultRetention
	}
	if log == nil {
		log = slog.Default()
	}
	return &Trail{store: store, log: log.WithGroup("audit"), retention: retention, now: time.Now}
}

// Durable reports whether events are kept beyond the log.
func (t *Trail) Durable() bool { return t != nil && t.store != nil }

// Retention is how long events are kept.
func (t *Trail) Retention() time.Duration { return t.retention }

// Record writes e (its Time and RequestID filled in when empty). A
// store failure is logged and returned: a staff action must not go
// unrecorded, while a student's step goes on (its log line stands).
func (t *Trail) Record(ctx context.Context, e Event) error {
	if t == nil {
		return nil
	}
	if e.Time.IsZero() {
		e.Time = t.now().UTC()
	}
	if e.RequestID == "" {
		e.RequestID = RequestID(ctx)
	}
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	if t.observe != nil {
		t.observe(e)
	}
	t.log.LogAttrs(ctx, slog.LevelInfo, "audit event",
		slog.String("kind", e.Kind), slog.String("outcome", e.Outcome),
		slog.String("student", e.Student), slog.String("login", e.Login),
		slog.String("actor", e.Actor), slog.String("flow", e.Flow),
		slog.String("detail", e.Detail), slog.String("reason", e.Reason),
		slog.String("ref", e.Ref), slog.String("ip", e.IP), slog.String("request_id", e.RequestID))
	if t.store == nil {
		return nil
	}
	if err := t.store.Append(ctx, e); err != nil {
		t.log.ErrorContext(ctx, "audit store", "kind", e.Kind, "err", err)
		return err
	}
	return nil
}

// Query reads events (none when the trail is not durable).
func (t *Trail) Query(ctx context.Context, f Filter, fn func(Event) error) error {
	if !t.Durable() {
		return nil
	}
	return t.store.Query(ctx, f, fn)
}

// Prune deletes the events past retention; serve calls it hourly.
func (t *Trail) Prune(ctx context.Context) (int64, error) {
	if !t.Durable() {
		return 0, nil
	}
	return t.store.Prune(ctx, t.now().Add(-t.retention))
}

// Run prunes every interval until ctx ends.
func (t *Trail) Run(ctx context.Context, every time.Duration) {
	if !t.Durable() {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if n, err := t.Prune(ctx); err != nil {
			t.log.WarnContext(ctx, "audit prune", "err", err)
		} else if n > 0 {
			t.log.InfoContext(ctx, "audit events past retention deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request's id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id WithRequestID set, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// refAlphabet is Crockford's base32 without I, L, O, U: read aloud over
// the phone without confusion.
const refAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewRef returns a reference such as "K7F-2QX": 30 random bits, no
// personal data; the trail maps it to the case.
func NewRef() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, 7)
	for i, c := range b {
		if i == 3 {
			out = append(out, '-')
		}
		out = append(out, refAlphabet[int(c)%len(refAlphabet)])
	}
	return string(out)
}

// NormalizeRef reads a reference as typed: any case, spaces or dashes,
// and the letters Crockford maps (O→0, I and L→1).
func NormalizeRef(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "O", "0", "I", "1", "L", "1").Replace(strings.ToUpper(s)))
	if len(s) != 6 || strings.Trim(s, refAlphabet) != "" {
		return ""
	}
	return s[:3] + "-" + s[3:]
}

type flowKey struct{}

// ForFlow marks ctx as acting for the self-service flow name: the SSO
// session started under it remembers the flow, so that the student's
// arrival at a relying party counts for the flow (KindLanded).
func ForFlow(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, flowKey{}, name)
}

// FlowOf is the flow ctx acts for, or "".
func FlowOf(ctx context.Context) string {
	name, _ := ctx.Value(flowKey{}).(string)
	return name
}
