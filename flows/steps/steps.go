// Package steps holds the self-service steps (identify, verify, password,
// done) and the registry that builds them from a flow definition's
// parameters. Each step is a small value behind flow.Step; flows list them
// by type name, so a new flow reuses steps without touching them.
package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// identifyIPSlots is how many coherence checks of one address may be
// between the limit check and the mismatch count at once: an enrolment
// room shares an address, and identify_per_ip may thus be passed by at
// most identifyIPSlots-1 mismatches.
const identifyIPSlots = 4

// turn waits for the holds (regulation.Turn) and
// turns a wait that ran out into the flow's LimitedError. A hold with
// nothing after its namespace (a key ending in ":") is skipped, as
// regulate skips an empty key.
func turn(ctx context.Context, reg flow.Regulator, holds ...regulation.Hold) (release func(), err error) {
	var hs []regulation.Hold
	for _, h := range holds {
		if !strings.HasSuffix(h.Key, ":") {
			hs = append(hs, h)
		}
	}
	release, err = reg.Turn(ctx, hs...)
	var le *regulation.LimitedError
	switch {
	case errors.As(err, &le):
		return nil, &flow.LimitedError{RetryAfter: le.RetryAfter}
	case err != nil:
		return nil, fmt.Errorf("regulation turn: %w", err)
	}
	return release, nil
}
