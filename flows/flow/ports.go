package flow

import (
	"context"

	"github.com/seuil-idp/seuil/idp/regulation"
)

// Regulator is the rate limiter every step calls (idp/regulation): Check
// reads a rule's state, Hit counts one event; both return a
// *regulation.LimitedError when the rule refuses. Turn makes requests
// take turns from a check to its count, so that parallel ones do not all
// pass the check before any is counted.
type Regulator interface {
	Check(ctx context.Context, rule regulation.Rule, key string) (regulation.Decision, error)
	Hit(ctx context.Context, rule regulation.Rule, key string) (regulation.Decision, error)
	Turn(ctx context.Context, holds ...regulation.Hold) (release func(), err error)
}
