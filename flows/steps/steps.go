// Package steps holds the self-service steps (identify, verify, password,
// done) and the registry that builds them from a flow definition's
// parameters. Each step is a small value behind flow.Step; flows list them
// by type name, so a new flow reuses steps without touching them.
package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/regulation"
)

// Registry returns the factories of the shipped step types.
func Registry() flow.Registry {
	return flow.Registry{
		"identify": NewIdentify,
		"verify":   NewVerify,
		"password": NewPassword,
		"done":     NewDone,
	}
}

// regulate asks the regulator about one event (hit: count it) and turns
// a refusal into the flow's LimitedError.
func regulate(ctx context.Context, reg flow.Regulator, hit bool, rule regulation.Rule, key string) error {
	if key == "" {
		return nil
	}
	var d regulation.Decision
	var err error
	if hit {
		d, err = reg.Hit(ctx, rule, key)
	} else {
		d, err = reg.Check(ctx, rule, key)
	}
	var le *regulation.LimitedError
	switch {
	case errors.As(err, &le):
		return &flow.LimitedError{RetryAfter: le.RetryAfter}
	case err != nil:
		return fmt.Errorf("regulation %s: %w", rule, err)
	case !d.Allowed:
		return &flow.LimitedError{RetryAfter: d.RetryAfter}
	}
	return nil
}
