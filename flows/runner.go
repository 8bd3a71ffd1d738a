package flows

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// errStale aborts an update whose form was rendered before the flow moved.
var errStale = errors.New("flows: stale form")

// submitTimeout bounds a claimed submit, which no longer follows the
// request's cancellation.
const submitTimeout = 30 * time.Second

// show renders a step. Only the current step is shown; asking for the
// first step goes back to it (harmless: later steps must be done again);
// any other step redirects to the current one.
func (h *Handler) show(d *Definition) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := h.loadErr(r, d)
		if err != nil {
			h.noFlow(w, r, d, err)
			return
		}
		idx := d.index(chi.URLParam(r, "step"))
		if idx < 0 {
			h.message(w, r, d, http.StatusNotFound, "error.notfound")
			return
		}
		lang := h.lang(w, r)
		back := idx == 0 && f.Step > 0 && !f.Done
		if idx != f.Step && !back {
			h.redirect(w, r, d, f)
			return
		}
		var notice string
		if back || f.Lang != lang || f.Notice != "" {
			// Only going back makes earlier forms stale. A mere render
			// keeps the version: bumping it would let any GET (a second
			// tab, a script) void a submit in progress, and with it the
			// wrong code that submit counted.
			var err error
			f, err = h.update(r.Context(), f.ID, func(g *flow.Flow) error {
				if back && g.Step > 0 {
					h.rewind(d, g)
					g.Version++
				}
				if g.Step != idx {
					return errStale
				}
				g.Lang = lang
				notice, g.Notice = g.Notice, ""
				return nil
			})
			if err != nil {
				h.retry(w, r, d, err)
				return
			}
		}
		h.renderStep(w, r, d, f, http.StatusOK, nil, notice)
	}
}

// rewind takes the flow back to its first step, each later step
// forgetting what it learnt.
func (h *Handler) rewind(d *Definition, f *flow.Flow) {
	for i := f.Step; i > 0; i-- {
		if rw, ok := d.Steps[i].(flow.Rewinder); ok {
			rw.Rewind(f)
		}
	}
	f.Step = 0
	f.StepSince = h.deps.Clock()
}

// submit handles a step's form: token, step and form version checks, a
// claim on the flow (so a double submit runs once), the step's Submit,
// entering the next step, and one write of the result.
func (h *Handler) submit(d *Definition) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		f, err := h.loadErr(r, d)
		if err != nil {
			h.noFlow(w, r, d, err)
			return
		}
		if err := r.ParseForm(); err != nil {
			h.message(w, r, d, http.StatusRequestEntityTooLarge, "error.badform")
			return
		}
		if !websec.Equal(r.PostForm.Get("csrf"), f.CSRF) {
			h.deps.Logger.WarnContext(ctx, "csrf refused", "flow", d.Name)
			h.message(w, r, d, http.StatusForbidden, "error.csrf")
			return
		}
		step := chi.URLParam(r, "step")
		version, _ := strconv.Atoi(r.PostForm.Get("version"))
		if f.Done || d.index(step) != f.Step || r.PostForm.Get("step") != step || version != f.Version {
			// A replayed or stale form: nothing happens, the student
			// lands on the step they are really at.
			h.redirect(w, r, d, f)
			return
		}
		f, err = h.update(ctx, f.ID, func(g *flow.Flow) error {
			if g.Version != version || g.Step != f.Step {
				return errStale
			}
			g.Version++
			return nil
		})
		if err != nil {
			h.retry(w, r, d, err)
			return
		}
		// The claim is held: finish the work and record it even if the
		// browser goes away (a second click, a closed tab). Cancelled
		// half-way, a password could be set in the directory and not in
		// the flow, and the next try refused as a password already used.
		detached, cancel := context.WithTimeout(context.WithoutCancel(ctx), submitTimeout)
		defer cancel()
		r = r.WithContext(detached)
		x := h.exchange(w, r, d, f)
		x.Form = r.PostForm
		step, sentBefore, at, since := d.Steps[f.Step].Name(), f.OTP.SentAt, f.Step, f.StepSince
		err = h.advance(d, f, x)
		ex := h.explain(err)
		var took time.Duration
		if now := h.deps.Clock(); f.Step != at {
			f.StepSince = now
			if !since.IsZero() {
				took = now.Sub(since)
			}
		}
		h.audit(r, d, f, step, sentBefore, took, &ex)
		h.finish(w, r, d, f, err, ex)
	}
}

// advance runs the step's Submit and, on Next, enters the following
// step; an error there keeps the flow on the step that was submitted.
func (h *Handler) advance(d *Definition, f *flow.Flow, x *flow.Exchange) error {
	ctx := x.R.Context()
	out, err := d.Steps[f.Step].Submit(ctx, f, x)
	if err != nil || out != flow.Next || f.Step+1 >= len(d.Steps) {
		return err
	}
	en, ok := d.Steps[f.Step+1].(flow.Enterer)
	if !ok {
		f.Step++
		return nil
	}
	// A failed Enter must leave nothing behind: what it learnt about a
	// record or an account (verify finds them before sending the code)
	// would otherwise follow the student to the next identity they type.
	// Steps replace Flow's pointers and slices rather than write through
	// them, so a shallow copy restores the flow.
	before := *f
	f.Step++
	if err := en.Enter(ctx, f, x); err != nil {
		*f = before
		return err
	}
	return nil
}

// finish writes the flow and answers: a redirect after success (so a
// reload never posts twice), the page with its errors otherwise, or the
// closing page when the error ends the flow.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, d *Definition, f *flow.Flow, err error, ex explained) {
	if ex.closes {
		_ = h.deps.Store.Delete(r.Context(), flow.Key(f.ID))
		h.deps.Cookies.Clear(w, flowCookie)
		h.messageRef(w, r, d, ex.status, ex.ref, ex.msg.Key, ex.msg.Args...)
		return
	}
	if ex.internal {
		h.deps.Logger.ErrorContext(r.Context(), "flow step failed", "flow", d.Name,
			"step", d.Steps[f.Step].Name(), "err", err)
	}
	claimed := f.Version
	if err != nil {
		f.Version++ // the page rendered below is a new form version
	}
	proved := false // the stored flow had proved nothing yet
	saved, uerr := h.update(r.Context(), f.ID, func(g *flow.Flow) error {
		if g.Version != claimed {
			return errStale
		}
		proved = len(g.AMR) == 0
		*g = *f
		return nil
	})
	if uerr != nil {
		h.retry(w, r, d, uerr)
		return
	}
	if err == nil {
		// The id changes where the flow gains privilege: the code proved
		// (its AMR set). Not at every step: a double submit of the first
		// screen must find its flow (TestDoubleSubmit); nor on entering
		// done, which grants nothing (the SSO session is its own cookie)
		// and which an abandoned password submit must still reach
		// (TestAbandonedSubmitStillRecorded).
		if proved && len(saved.AMR) > 0 && saved.Step < len(d.Steps)-1 {
			h.rotate(w, r, saved)
		}
		h.redirect(w, r, d, saved)
		return
	}
	h.renderStep(w, r, d, saved, ex.status, &ex, "")
}

// audit records what came of a submitted step, and the code sent on
// entering the next one; a student turned away gets a reference (ex.ref)
// that the event carries. Only masked contacts and message keys go in.
func (h *Handler) audit(r *http.Request, d *Definition, f *flow.Flow, step string, sentBefore time.Time, took time.Duration, ex *explained) {
	if h.deps.Trail == nil {
		return
	}
	ctx := r.Context()
	ip := websec.ClientIP(r, h.deps.TrustedProxies)
	ev := audit.Event{Kind: audit.KindStep, Outcome: ex.outcome, Student: f.StudentID, Login: f.Login, Flow: d.Name, Detail: step, IP: ip, Took: took}
	if ex.outcome == "refused" {
		var keys []string
		for _, fe := range ex.fields {
			keys = append(keys, fe.Key)
		}
		ev.Detail = step + ": " + strings.Join(keys, ",")
	}
	if ex.turnedAway() {
		ex.ref = audit.NewRef()
		ev.Ref = ex.ref
	}
	_ = h.deps.Trail.Record(ctx, ev)
	if o := f.OTP; !o.SentAt.IsZero() && !o.SentAt.Equal(sentBefore) {
		var parts []string
		if o.SMSTo != "" {
			p := "sms " + o.SMSTo
			if o.SMSLate {
				p += " (late)"
			}
			parts = append(parts, p)
		} else if o.SMSRefused != "" {
			parts = append(parts, "sms refused: "+o.SMSRefused)
		}
		if o.MailTo != "" {
			parts = append(parts, "mail "+o.MailTo)
		}
		outcome := "ok"
		if len(parts) == 0 {
			outcome = "failed"
		}
		_ = h.deps.Trail.Record(ctx, audit.Event{Kind: audit.KindCodeSent, Outcome: outcome, Student: f.StudentID,
			Login: f.Login, Flow: d.Name, Detail: strings.Join(parts, "; "), IP: ip})
	}
}

// retry answers a lost race or a vanished flow.
func (h *Handler) retry(w http.ResponseWriter, r *http.Request, d *Definition, err error) {
	switch {
	case errors.Is(err, state.ErrNotFound):
		h.message(w, r, d, http.StatusGone, "error.expired")
	case errors.Is(err, errStale), errors.Is(err, state.ErrConflict):
		if f, ok := h.load(r, d); ok {
			h.redirect(w, r, d, f)
			return
		}
		h.message(w, r, d, http.StatusGone, "error.expired")
	default:
		h.deps.Logger.ErrorContext(r.Context(), "flow store", "err", err)
		h.message(w, r, d, http.StatusInternalServerError, "error.internal")
	}
}

// theme is the relying party's theme the flow was handed with, else the
// flow definition's.
func (h *Handler) theme(d *Definition, f *flow.Flow) *themes.Theme {
	if t := h.deps.Themes.Get(f.Theme); f.Theme != "" && t != nil {
		return t
	}
	return h.deps.Themes.Get(d.Theme)
}

func (h *Handler) exchange(w http.ResponseWriter, r *http.Request, d *Definition, f *flow.Flow) *flow.Exchange {
	t := h.theme(d, f)
	return &flow.Exchange{W: w, R: r, IP: websec.ClientIP(r, h.deps.TrustedProxies), Theme: t,
		T: t.Translator(f.Lang).ForFlow(d.Name), Started: time.Now()}
}

// rotate gives the flow a new id once the code is proved, as a sign-in
// gives a new session id: a flow cookie planted in the student's browser
// (over plain http, or from a sibling subdomain) is worth nothing once
// the student has proved the code. The new record is
// written before the old one is deleted, two keys that need not share a
// Redis Cluster slot; should the write fail, the flow keeps its id and
// the student loses nothing.
func (h *Handler) rotate(w http.ResponseWriter, r *http.Request, f *flow.Flow) {
	ctx := r.Context()
	old := f.ID
	ttl, err := h.deps.Store.TTL(ctx, flow.Key(old))
	if err == nil && ttl > 0 {
		next := *f
		next.ID = websec.Token()
		var ok bool
		if ok, err = h.deps.Store.PutNew(ctx, flow.Key(next.ID), &next, ttl); ok {
			_ = h.deps.Store.Delete(ctx, flow.Key(old))
			h.deps.Cookies.Set(w, flowCookie, next.ID, 0)
			*f = next
			return
		}
	}
	h.deps.Logger.WarnContext(ctx, "flow id not rotated", "err", errFlowStore(err))
}
