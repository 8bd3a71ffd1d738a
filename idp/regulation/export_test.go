package regulation

import "time"

// WithTurnRelook is a copy of r whose waiters look again unwoken only
// every d, for tests that show the wake-up does the work.
func WithTurnRelook(r *Regulator, d time.Duration) *Regulator {
	c := *r
	c.turnRelook = d
	return &c
}
