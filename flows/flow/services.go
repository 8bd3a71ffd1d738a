package flow

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/students"
)

// SessionStarter starts the single sign-on session once a flow is done,
// so the next authorization needs no password (implemented by the OIDC
// provider; nil means no SSO).
type SessionStarter interface {
	StartSession(ctx context.Context, w http.ResponseWriter, r *http.Request, acct directory.Account, amr []string) error
}

// SessionEnder ends every SSO session of a login and revokes its
// subject's tokens (the OIDC provider). A password changed by its owner
// after proving who they are (reset, expired) may have been changed
// because someone else knew the old one: that someone's sessions and
// refresh tokens must not outlive it (ASVS 5.0 V7.4.3).
type SessionEnder interface {
	EndSessionsOf(ctx context.Context, login, subject string) (sessions, grants int, err error)
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
	SMS       notify.SMSSender
	Mail      notify.Mailer
	Sessions  SessionStarter // may be nil
	Ender     SessionEnder   // may be nil: a changed password ends no session
	Landing   Landing        // may be nil
	Logger    *slog.Logger
	Now       func() time.Time
	// HelpdeskCodes are codes the helpdesk sent to a student's contacts
	// on record; nil: none.
	HelpdeskCodes HelpdeskCodes
	// LoginPattern is the deployment's login pattern, the default of
	// the done step (directory.ExpandLogin); empty: "{student_id}T".
	LoginPattern string
	// Policy is the directory's own password policy, read at start (zero
	// when the directory says none): the screen states its expiry, and
	// definitions that contradict it are refused.
	Policy directory.Policy
	// Deliveries says what became of a code still being sent when its
	// screen was shown (notify.Deferred); nil: sends are never deferred.
	Deliveries Deliveries
	// Passkeys is the passkey ceremonies' public prefix
	// ("/seuil/passkeys"): the done screen offers to create one; empty:
	// no offer.
	Passkeys string
}

// Deliveries reads a message's fate (*notify.Deferred): sent in the
// background, then delivered or not when the provider reports.
type Deliveries interface {
	Delivery(ctx context.Context, id string) (notify.Delivery, error)
	// Reported: the SMS provider posts delivery reports, so that a sent
	// SMS is followed until it is delivered (or not).
	Reported() bool
	// Remember makes id the student's last SMS, which the helpdesk sees.
	Remember(ctx context.Context, studentID, id string) error
}

// HelpdeskCodes checks a code the helpdesk sent, spending it if right.
type HelpdeskCodes interface {
	Take(ctx context.Context, studentID, code string) (bool, error)
}
