package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/students"
)

// record returns the matched student's record. The flow stores only the
// student number (a dump of the store must hold no contact, INE or birth
// date), so the record is looked up again once per request that needs it
// (sending a code, checking a password against the student's own data,
// creating the account) and cached in the flow for that request only.
func record(ctx context.Context, svc *flow.Services, f *flow.Flow) (*students.Record, error) {
	if f.Record != nil {
		return f.Record, nil
	}
	if !f.Matched {
		return nil, flow.ErrMismatch
	}
	rec, err := svc.Students.Lookup(ctx, f.StudentID)
	switch {
	case errors.Is(err, students.ErrNotFound):
		// Removed from the source since identify: the student starts again.
		return nil, flow.ErrMismatch
	case err != nil:
		return nil, fmt.Errorf("%w: student record: %w", flow.ErrSourceUnavailable, err)
	}
	if rec.Hold != "" {
		// Held since identify (flagged a duplicate in the meantime): no
		// code and no account until the scolarité has acted.
		return nil, &flow.HeldError{Hold: rec.Hold}
	}
	f.Record = &rec
	return f.Record, nil
}
