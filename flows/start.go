package flows

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/websec"
	"github.com/seuil-idp/seuil/themes"
)

// start begins a flow (or resumes the browser's flow of the same name)
// and redirects to its current step. ?handover= takes the provider's
// ticket; ?restart=1 drops a flow in progress.
func (h *Handler) start(d *Definition) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		lang := h.lang(w, r)
		ticket := r.URL.Query().Get("handover")
		if ticket == "" && d.Entry == "handover" {
			h.message(w, r, d, http.StatusBadRequest, "error.handover_only")
			return
		}
		// A flow cookie whose flow is gone (its TTL, a store that lost
		// it in a failover) starts anew, and says so: landing on the
		// first screen without a word reads as a bug.
		lost := false
		if ticket == "" && r.URL.Query().Get("restart") == "" {
			f, err := h.loadErr(r, d)
			if err == nil && !f.Done {
				h.redirect(w, r, d, f)
				return
			}
			lost = errors.Is(err, errFlowGone)
		}
		// Each new flow is stored for its TTL: bound what one address can
		// make the server store.
		ip := regulation.IPKey(websec.ClientIP(r, h.deps.TrustedProxies))
		if _, err := h.deps.Regulator.Hit(ctx, regulation.FlowStartPerIP, ip); err != nil {
			var le *regulation.LimitedError
			if errors.As(err, &le) {
				h.message(w, r, d, http.StatusTooManyRequests, "error.limited", minutes(le.RetryAfter))
				return
			}
			h.deps.Logger.ErrorContext(ctx, "regulation", "rule", regulation.FlowStartPerIP, "err", err)
			h.message(w, r, d, http.StatusInternalServerError, "error.internal")
			return
		}
		f := &flow.Flow{ID: websec.Token(), Name: d.Name, Shape: d.Shape, CSRF: websec.Token(), Lang: lang,
			ExpiresAt: h.deps.Clock().Add(d.TTL), LoginPattern: d.LoginPattern, StepSince: h.deps.Clock()}
		if lost {
			f.Notice = "flow.restarted"
		}
		if ticket != "" {
			ho, err := h.deps.Store.TakeHandover(ctx, ticket)
			bound, _ := h.deps.Cookies.Get(r, state.HandoverCookie)
			h.deps.Cookies.Clear(w, state.HandoverCookie)
			if err != nil || ho.Flow != d.Name || (d.Entry == "handover" && ho.Login == "") ||
				(ho.Binding != "" && !websec.Equal(bound, ho.Binding)) {
				if err != nil && !errors.Is(err, state.ErrNotFound) {
					h.deps.Logger.ErrorContext(ctx, "handover", "err", err)
				}
				h.message(w, r, d, http.StatusBadRequest, "error.handover")
				return
			}
			applyHandover(f, ho)
			if len(f.AMR) > 0 {
				f.ProvedAt = h.deps.Clock()
			}
			if h.deps.Themes.Has(ho.Theme) {
				f.Theme = ho.Theme
			}
		}
		if ok, err := h.deps.Store.PutNew(ctx, flow.Key(f.ID), f, d.TTL); err != nil || !ok {
			h.deps.Logger.ErrorContext(ctx, "flow store", "err", errFlowStore(err))
			h.message(w, r, d, http.StatusInternalServerError, "error.internal")
			return
		}
		h.deps.Cookies.Set(w, flowCookie, f.ID, 0)
		if f.Lang != lang {
			// The relying party's ui_locales chose it: remember it as
			// the switch would, so that an error page after a lost
			// flow still speaks the student's language.
			h.deps.Cookies.Set(w, themes.LangCookie, f.Lang, 365*24*time.Hour)
		}
		h.deps.Logger.InfoContext(ctx, "flow started", "flow", d.Name, "handover", ticket != "",
			"ip", websec.ClientIP(r, h.deps.TrustedProxies))
		_ = h.deps.Trail.Record(ctx, audit.Event{Kind: audit.KindFlowStarted, Flow: d.Name, Login: f.Login,
			IP: websec.ClientIP(r, h.deps.TrustedProxies)})
		h.redirect(w, r, d, f)
	}
}

func applyHandover(f *flow.Flow, ho state.Handover) {
	// Only a local path may be resumed: the ticket comes from our own
	// provider, but an open redirect is never worth the risk.
	if strings.HasPrefix(ho.Continue, "/") && !strings.HasPrefix(ho.Continue, "//") && !strings.HasPrefix(ho.Continue, "/\\") {
		f.Continue = ho.Continue
	}
	f.ClientID = ho.ClientID
	if ho.Login != "" {
		// The login page checked the (expired) password of this login.
		f.Login = ho.Login
		f.AMR = []string{"pwd"}
	}
	if ho.Lang == "fr" || ho.Lang == "en" {
		f.Lang = ho.Lang
	}
}

func errFlowStore(err error) error {
	if err == nil {
		return errors.New("flows: flow id collision")
	}
	return err
}

// load reads the browser's flow of definition d; ok is false when there
// is none, it belongs to another flow, or it expired.
func (h *Handler) load(r *http.Request, d *Definition) (*flow.Flow, bool) {
	f, err := h.loadErr(r, d)
	return f, err == nil
}

// errNoFlow: the browser has no flow of this definition (none, another's,
// expired), as opposed to a store that could not answer.
var errNoFlow = errors.New("flows: no flow")

// errFlowGone: the browser's flow cookie names a flow that is no more (its
// TTL ran out, or the store lost it); it is an errNoFlow.
var errFlowGone = fmt.Errorf("%w: gone", errNoFlow)

// loadErr is load telling why there is no flow: errNoFlow, or the store's
// error when it could not be read (the flow may well be there).
func (h *Handler) loadErr(r *http.Request, d *Definition) (*flow.Flow, error) {
	id, ok := h.deps.Cookies.Get(r, flowCookie)
	if !ok || len(id) > 64 {
		return nil, errNoFlow
	}
	f := flow.Flow{ID: id}
	if err := h.deps.Store.Get(r.Context(), flow.Key(id), &f); err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return nil, errFlowGone
		}
		h.deps.Logger.ErrorContext(r.Context(), "flow load", "err", err)
		return nil, err
	}
	if f.Name != d.Name || !sameShape(&f, d) {
		return nil, errNoFlow
	}
	if h.deps.Clock().After(f.ExpiresAt) {
		return nil, errFlowGone
	}
	return &f, nil
}

// noFlow answers a request that found no flow: expired (410), or, when
// the store could not be read, a brief outage that lost nothing (503 with
// Retry-After; the flow resumes once the store answers again).
func (h *Handler) noFlow(w http.ResponseWriter, r *http.Request, d *Definition, err error) {
	if errors.Is(err, errNoFlow) {
		h.message(w, r, d, http.StatusGone, "error.expired")
		return
	}
	w.Header().Set("Retry-After", "60")
	h.message(w, r, d, http.StatusServiceUnavailable, "error.unavailable")
}

// update changes the stored flow in one optimistic transaction, keeping
// its TTL. A write by another request in between (a language switch, a
// notice read) is retried a few times: change sees the new value and
// decides again, so a claimed submit is not lost to a harmless render.
func (h *Handler) update(ctx context.Context, id string, change func(f *flow.Flow) error) (*flow.Flow, error) {
	var err error
	for range 4 {
		f := flow.Flow{ID: id} // the id is the key's secret, not in the value
		err = h.deps.Store.Update(ctx, flow.Key(id), &f, 0, func() error { f.ID = id; return change(&f) })
		if !errors.Is(err, state.ErrConflict) {
			return &f, err
		}
	}
	return nil, err
}

// lang picks the page language and remembers an explicit ?lang= choice.
func (h *Handler) lang(w http.ResponseWriter, r *http.Request) string {
	return themes.Language(w, r, h.deps.Cookies)
}

func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, d *Definition, f *flow.Flow) {
	http.Redirect(w, r, h.cfg.BasePath+"/"+d.Name+"/"+d.Steps[f.Step].Name(), http.StatusSeeOther)
}

// sameShape tells whether f can go on under d: it was started under the
// same steps. A flow stored without a shape (by an older version) goes on
// while its step exists.
func sameShape(f *flow.Flow, d *Definition) bool {
	if f.Shape == "" {
		return f.Step >= 0 && f.Step < len(d.Steps)
	}
	return f.Shape == d.Shape
}
