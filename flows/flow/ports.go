package flow

import (
	"context"

	"github.com/seuil-idp/seuil/idp/regulation"
)

// SMS is one text message.
type SMS struct{ To, Body string }

// Mail is one e-mail with text and HTML bodies.
type Mail struct{ To, Subject, Text, HTML string }

// SMSSender sends text messages (flows/notify implements it).
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}

// Mailer sends e-mail (flows/notify implements it).
type Mailer interface {
	SendMail(ctx context.Context, m Mail) error
}

// Regulator is the rate limiter every step calls (idp/regulation): Check
// reads a rule's state, Hit counts one event; both return a
// *regulation.LimitedError when the rule refuses.
type Regulator interface {
	Check(ctx context.Context, rule regulation.Rule, key string) (regulation.Decision, error)
	Hit(ctx context.Context, rule regulation.Rule, key string) (regulation.Decision, error)
}
