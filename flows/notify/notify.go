// Package notify sends what the flows tell a student: the activation code
// by SMS and e-mail, and the confirmation e-mail. The flow steps consume two
// small interfaces, SMSSender and Mailer; this package provides an SMTP
// mailer, a configurable HTTP SMS sender (one config shape fits the common
// French providers), an in-memory Outbox for the demo and tests, and
// logging decorators.
//
// Bodies carry one-time codes: no sender here ever logs a body, and errors
// never quote one.
package notify

import "context"

// SMS is one text message.
type SMS struct {
	// To is the recipient's number in E.164 form ("+33612345678").
	To string
	// Body is the text sent.
	Body string
	// Code is the one-time code Body carries, if any. Real senders ignore
	// it; the demo Outbox shows it apart so a tester need not read bodies.
	Code string
}

// SMSSender sends text messages.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}

// Mail is one e-mail, sent as multipart/alternative when HTML is set.
type Mail struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// Code is the one-time code the mail carries, if any; see SMS.Code.
	Code string
}

// Mailer sends e-mail.
type Mailer interface {
	SendMail(ctx context.Context, m Mail) error
}
