package flows

import (
	"errors"
	"net/http"
	"time"

	"github.com/seuil-idp/seuil/flows/flow"
)

// explained is an error as the student sees it.
type explained struct {
	fields   flow.FieldErrors // next to their fields
	msg      flow.Message     // above the form (Key empty: none)
	status   int
	closes   bool // the flow ends; the student must start again
	internal bool // logged, never shown
	// outcome names the refusal in the audit trail ("ok" for none).
	outcome string
	// ref is the reference shown to a student turned away (limits, the
	// end of the tries, a technical error), which the helpdesk types to
	// find the case.
	ref string
}

// turnedAway reports whether the student needs the helpdesk's contacts
// and a reference: every refusal they cannot fix by typing again.
func (e explained) turnedAway() bool {
	switch e.outcome {
	case "limited", "too_many_codes", "locked", "no_recipient", "internal", "mismatch", "source_unavailable", "held":
		return true
	}
	return false
}

// explain is the one place where typed errors become user messages.
func (h *Handler) explain(err error) explained {
	var (
		fields  flow.FieldErrors
		limited *flow.LimitedError
		code    *flow.CodeError
		wait    *flow.ResendWaitError
		held    *flow.HeldError
	)
	switch {
	case err == nil:
		return explained{status: http.StatusOK, outcome: "ok"}
	case errors.As(err, &fields):
		return explained{fields: fields, status: http.StatusUnprocessableEntity, outcome: "refused"}
	case errors.Is(err, flow.ErrMismatch):
		return explained{msg: msg("error.mismatch"), status: http.StatusUnprocessableEntity, outcome: "mismatch"}
	case errors.As(err, &limited):
		return explained{msg: msg("error.limited", minutes(limited.RetryAfter)), status: http.StatusTooManyRequests, outcome: "limited"}
	case errors.As(err, &code):
		var fe flow.FieldErrors
		fe.Add("code", "verify.code.wrong", code.Remaining)
		return explained{fields: fe, status: http.StatusUnprocessableEntity, outcome: "wrong_code"}
	case errors.Is(err, flow.ErrCodeExpired):
		return explained{msg: msg("verify.code.expired"), status: http.StatusUnprocessableEntity, outcome: "code_expired"}
	case errors.As(err, &wait):
		return explained{msg: msg("verify.resend.wait", int((wait.Wait+time.Second-1)/time.Second)),
			status: http.StatusTooManyRequests, outcome: "resend_wait"}
	case errors.Is(err, flow.ErrTooManyCodes):
		return explained{msg: msg("error.too_many_codes"), status: http.StatusTooManyRequests, closes: true, outcome: "too_many_codes"}
	case errors.Is(err, flow.ErrAccountLocked):
		return explained{msg: msg("error.locked"), status: http.StatusForbidden, closes: true, outcome: "locked"}
	case errors.As(err, &held):
		// One message per hold, each sending the student to the
		// scolarité: none is theirs to fix by typing again.
		return explained{msg: msg("error.held." + string(held.Hold)), status: http.StatusForbidden, closes: true, outcome: "held"}
	case errors.Is(err, flow.ErrSourceUnavailable):
		return explained{msg: msg("error.source_unavailable"), status: http.StatusServiceUnavailable, outcome: "source_unavailable"}
	case errors.Is(err, flow.ErrNoRecipient):
		return explained{msg: msg("error.no_recipient"), status: http.StatusUnprocessableEntity, closes: true, outcome: "no_recipient"}
	}
	return explained{msg: msg("error.internal"), status: http.StatusInternalServerError, internal: true, outcome: "internal"}
}

func msg(key string, args ...any) flow.Message { return flow.Message{Key: key, Args: args} }

// minutes rounds a wait up to whole minutes, at least one.
func minutes(d time.Duration) int {
	m := int((d + time.Minute - 1) / time.Minute)
	if m < 1 {
		m = 1
	}
	return m
}
