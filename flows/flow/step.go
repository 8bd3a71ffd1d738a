package flow

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/seuil-idp/seuil/themes"
)

// Step is one screen of a flow. Steps are built from a definition's
// parameters by a Factory and hold no per-student state: everything they
// learn goes into the Flow they are handed.
type Step interface {
	// Name is the step's URL segment and form name ("identify").
	Name() string
	// Show returns the theme page to render and its data.
	Show(ctx context.Context, f *Flow, x *Exchange) (page string, data any)
	// Submit handles the step's form. A nil error with Next moves the
	// flow on; an error is one of this package's typed errors (turned into
	// a message by the runner) or an internal failure.
	Submit(ctx context.Context, f *Flow, x *Exchange) (Outcome, error)
}

// Outcome tells the runner what to do after a successful Submit.
type Outcome int

// Outcomes of Submit.
const (
	Stay Outcome = iota // re-render the same step (e.g. a code was resent)
	Next                // go on to the next step
)

// Enterer is a step with work to do when the flow moves into it (the
// verify step checks the record and sends the code; done starts the
// session). An error keeps the flow on the previous step.
type Enterer interface {
	Enter(ctx context.Context, f *Flow, x *Exchange) error
}

// Rewinder is a step that forgets what it learnt when the student goes
// back to an earlier step.
type Rewinder interface {
	Rewind(f *Flow)
}

// Checker is a step offering a JSON check of a field before submit (the
// password checklist). The runner serves it at /<flow>/<step>/check.
type Checker interface {
	Check(ctx context.Context, f *Flow, x *Exchange) (any, error)
}

// LoginPatterner is the step that knows how logins are built (done).
type LoginPatterner interface {
	LoginPattern() string
}

// Exchange is one HTTP request as a step sees it.
type Exchange struct {
	W     http.ResponseWriter
	R     *http.Request
	Form  url.Values
	IP    string
	Theme *themes.Theme
	T     themes.Translator
	// Started is when the request came: what the screen has waited
	// already (a code's sends wait for their providers from then).
	Started time.Time
}

// Action returns the button the student pressed ("resend"), or "".
func (x *Exchange) Action() string {
	if x.Form == nil {
		return ""
	}
	return x.Form.Get("action")
}

// Factory builds a step from its parameters.
type Factory func(p Params, s *Services) (Step, error)

// Registry maps step types ("identify") to factories, like fosite's
// compose package: a new flow is a new list of known types, not new code.
type Registry map[string]Factory
