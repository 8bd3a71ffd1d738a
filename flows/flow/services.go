package flow

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/students"
)

// SessionStarter starts the single sign-on session once a flow is done,
// so the next authorization needs no password (implemented by the OIDC
// provider; nil means no SSO).
type SessionStarter interface {
	StartSession(ctx context.Context, w http.ResponseWriter, r *http.Request, acct directory.Account, amr []string) error
}

// Landing gives the page a relying party wants students sent to once
// their account is ready (its initiate_login_uri with iss and login_hint).
type Landing interface {
	LandingURL(ctx context.Context, clientID, login string) (string, error)
}

// Services are the components steps call; the runner hands the same
// value to every factory.
type Services struct {
	Students  students.Source
	Directory directory.Directory
	Regulator Regulator
	SMS       SMSSender
	Mail      Mailer
	Sessions  SessionStarter // may be nil
	Landing   Landing        // may be nil
	Logger    *slog.Logger
	Now       func() time.Time
	// HelpdeskCodes are codes the helpdesk sent to a student's contacts
	// on record; nil: none.
	HelpdeskCodes HelpdeskCodes
	// LoginPattern is the deployment's login pattern, the default of
	// the done step (directory.ExpandLogin); empty: "{student_id}T".
	LoginPattern string
}

// HelpdeskCodes checks a code the helpdesk sent, spending it if right.
type HelpdeskCodes interface {
	Take(ctx context.Context, studentID, code string) (bool, error)
}
