package regulation

import "time"

// WithTurnRelook is a copy of r whose waiters look again unwoken only
// every d, for tests that show the wake-up does the work.
func WithTurnRelook(r *Regulator, d time.Duration) *Regulator {
	c := *r
	c.turnRelook = d
	return &c
}

// RateKey is the key redis_rate is given for rule and key (it adds its
// "rate:" in front), for tests that hold Check to redis_rate.
func RateKey(r *Regulator, rule Rule, key string) string { return r.hashKey(rule, key) }
