package regulation

import (
	"context"
	"errors"
)

// Target is one rule applied to one key: a step usually regulates the same
// event under several rules at once (per IP and per student).
type Target struct {
	Rule Rule
	Key  string
}

// CheckAll checks every target in one round trip, consuming nothing. It
// returns nil if all allow one more event, otherwise the *LimitedError
// with the longest wait.
func (r *Regulator) CheckAll(ctx context.Context, targets ...Target) error {
	_, err := r.Checks(ctx, targets...)
	return err
}

// HitAll counts the event under every target that allows it (each rule
// counts on its own, so a limited IP does not spare the student's counter)
// and returns as CheckAll does.
func (r *Regulator) HitAll(ctx context.Context, targets ...Target) error {
	return r.each(targets, func(t Target) error {
		_, err := r.Hit(ctx, t.Rule, t.Key)
		return err
	})
}

func (r *Regulator) each(targets []Target, fn func(Target) error) error {
	var worst *LimitedError
	for _, t := range targets {
		err := fn(t)
		var lim *LimitedError
		switch {
		case errors.As(err, &lim):
			worst = longer(worst, lim)
		case err != nil:
			return err
		}
	}
	if worst != nil {
		return worst
	}
	return nil
}

// longer is whichever of two refusals (worst may be nil) waits longer:
// the one a caller of several checks reports.
func longer(worst, lim *LimitedError) *LimitedError {
	if worst == nil || lim.RetryAfter > worst.RetryAfter {
		return lim
	}
	return worst
}
