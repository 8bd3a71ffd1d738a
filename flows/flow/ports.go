package flow

import (
	"context"
	"time"
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

// Decision is a rate limiter's answer.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration
	Remaining  int
}

// Regulator is the rate limiter every step calls (idp/regulation).
type Regulator interface {
	Check(ctx context.Context, rule, key string) (Decision, error)
	Hit(ctx context.Context, rule, key string) (Decision, error)
}
