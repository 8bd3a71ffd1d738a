package steps

import (
	"context"

	"github.com/seuil-idp/seuil/flows/flow"
)

// LandingOf exposes Done's choice of the button's target to tests.
func LandingOf(d flow.Step, f *flow.Flow) string { return d.(*Done).landing(context.Background(), f) }

// IsLocalPath exposes isLocalPath to tests.
var IsLocalPath = isLocalPath
