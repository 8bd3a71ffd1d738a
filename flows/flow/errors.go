package flow

import (
	"errors"
	"fmt"
	"time"

	"github.com/seuil-idp/seuil/idp/students"
)

// Typed errors steps return; the runner turns each into a translated
// message at one place (flows.userMessage) and nowhere else.
var (
	// ErrMismatch: the typed data do not match a student record. One
	// message for every cause (unknown number, wrong INE, wrong phone).
	ErrMismatch = errors.New("flow: identification does not match")
	// ErrCodeExpired: the code's lifetime is over; a new one may be sent.
	ErrCodeExpired = errors.New("flow: code expired")
	// ErrTooManyCodes: too many wrong codes; the flow is closed.
	ErrTooManyCodes = errors.New("flow: too many wrong codes")
	// ErrNoRecipient: the record has neither mobile nor e-mail to send to.
	ErrNoRecipient = errors.New("flow: no address on record to send the code to")
	// ErrAccountLocked: the directory refuses this account.
	ErrAccountLocked = errors.New("flow: account locked")
	// ErrSourceUnavailable: the student source cannot answer now (down,
	// slow, its circuit open). Never a mismatch: nothing counts, the
	// student tries again in a few minutes.
	ErrSourceUnavailable = errors.New("flow: student source unavailable")
)

// HeldError: the typed details match, but the student information
// system holds the record until the scolarité acts (an INE INES has not
// confirmed, a potential duplicate, no enrolment this period). Told only
// after a match, so it reveals nothing a mismatch would hide.
type HeldError struct {
	Hold students.Hold
}

func (e *HeldError) Error() string { return "flow: record held: " + string(e.Hold) }

// LimitedError: a rate limit refused the action until RetryAfter.
type LimitedError struct {
	RetryAfter time.Duration
}

func (e *LimitedError) Error() string {
	return fmt.Sprintf("flow: rate limited, retry in %s", e.RetryAfter)
}

// CodeError: a wrong code; Remaining attempts are left.
type CodeError struct {
	Remaining int
}

func (e *CodeError) Error() string { return fmt.Sprintf("flow: wrong code, %d left", e.Remaining) }

// ResendWaitError: a new code may only be sent after Wait.
type ResendWaitError struct {
	Wait time.Duration
}

func (e *ResendWaitError) Error() string { return fmt.Sprintf("flow: resend in %s", e.Wait) }

// Message is a translation key and its arguments.
type Message struct {
	Key  string
	Args []any
}

// FieldError is a problem with one form field.
type FieldError struct {
	Field string
	Message
}

// FieldErrors lists a form's field problems; the page shows each next to
// its field and all of them in a summary.
type FieldErrors []FieldError

func (e FieldErrors) Error() string {
	return fmt.Sprintf("flow: %d invalid field(s)", len(e))
}

// Add appends a problem with a field.
func (e *FieldErrors) Add(field, key string, args ...any) {
	*e = append(*e, FieldError{Field: field, Message: Message{Key: key, Args: args}})
}

// Err returns e as an error, or nil when empty.
func (e FieldErrors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}
