// Package directory holds student accounts: the Directory interface that the
// flows and the login page consume, its typed errors, and a conformance
// suite (directorytest) that every implementation runs. Implementations:
// embedded (file-backed, for the demo) and ldap (OpenLDAP with SupAnn).
package directory

import (
	"context"
	"errors"
	"time"

	"github.com/seuil-idp/seuil/idp/students"
)

// State is an account's lifecycle state (SupAnn supannRessourceEtat).
type State string

// Account states. Created: the entry exists (from the student record or
// ldapsync) but its owner has not chosen a password. Active: a password was
// set by its owner. Locked: the account may not sign in (e.g. student left).
const (
	StateCreated State = "created"
	StateActive  State = "active"
	StateLocked  State = "locked"
)

// Standing is what a refresh re-checks of an account: whose it is, and
// whether it may still sign in.
type Standing struct {
	Subject string
	State   State
}

// Account is a student's account as the directory holds it.
type Account struct {
	Login     string // e.g. "22012345T"; uid / supannAliasLogin
	Subject   string // stable opaque identifier used as the OIDC "sub"
	StudentID string // supannEtuId
	INE       string // supannCodeINE
	FirstName string
	LastName  string
	Email     string // personal e-mail (supannMailPerso)
	Mobile    string // E.164
	State     State
	// PasswordChangedAt is zero when no password was ever set.
	PasswordChangedAt time.Time
	// PasswordExpiresAt is zero when the password never expires.
	PasswordExpiresAt time.Time
	// InGrace is set by Authenticate when the password has expired and
	// this sign-in used one of the directory's grace logins (ppolicy's
	// pwdGraceAuthNLimit); GraceLeft is how many remain after it.
	InGrace   bool
	GraceLeft int
}

// Policy is what the directory itself enforces on passwords (OpenLDAP's
// ppolicy entry, the embedded directory's options): the flows show it and
// refuse to start with settings that contradict it.
type Policy struct {
	// Source names where it was read, for messages ("cn=default,ou=policies,…").
	Source string
	// MaxAge is how long a password lasts (pwdMaxAge); 0: for ever.
	MaxAge time.Duration
	// InHistory is how many previous passwords are kept and refused
	// (pwdInHistory); 0: none.
	InHistory int
	// MinLength is the shortest password accepted (pwdMinLength); 0:
	// no minimum of the directory's own.
	MinLength int
}

// PolicyReader is a directory that says its password policy.
type PolicyReader interface {
	PasswordPolicy(ctx context.Context) (Policy, error)
}

// Typed errors the flows and the login page turn into user messages.
var (
	// ErrNotFound: no account for that student number or login.
	ErrNotFound = errors.New("directory: no such account")
	// ErrInvalidCredentials: wrong login or password (never says which).
	ErrInvalidCredentials = errors.New("directory: invalid credentials")
	// ErrPasswordExpired: the password is right but has expired; the
	// caller sends the user to the "expired" flow.
	ErrPasswordExpired = errors.New("directory: password expired")
	// ErrPasswordInHistory: the new password was used before.
	ErrPasswordInHistory = errors.New("directory: password used before")
	// ErrPasswordQuality: the directory's own policy refused the password
	// (e.g. OpenLDAP ppolicy quality or length checks).
	ErrPasswordQuality = errors.New("directory: password refused by directory policy")
	// ErrLocked: the account may not sign in.
	ErrLocked = errors.New("directory: account locked")
)

// Directory is what the flows and the login page need from the account
// store: a handful of calls, each safe to retry.
type Directory interface {
	// FindByStudentID returns the account of a student number, or ErrNotFound.
	FindByStudentID(ctx context.Context, studentID string) (Account, error)
	// FindByLogin returns the account with that login, or ErrNotFound.
	FindByLogin(ctx context.Context, login string) (Account, error)
	// Standing returns the subject and state FindByLogin would, reading
	// no more than they need (a refresh asks it every time).
	Standing(ctx context.Context, login string) (Standing, error)
	// Ensure returns the account for rec, creating it in StateCreated
	// (without a password) if it is missing. Calling it again is harmless.
	Ensure(ctx context.Context, rec students.Record, login string) (Account, error)
	// SetPassword sets the password chosen by its owner, refusing one in
	// the account's history (ErrPasswordInHistory), records the old one in
	// the history, moves the account to StateActive and sets the expiry.
	SetPassword(ctx context.Context, login, password string) error
	// Authenticate checks a login and password. It returns
	// ErrInvalidCredentials, ErrPasswordExpired or ErrLocked on failure.
	Authenticate(ctx context.Context, login, password string) (Account, error)
}

// Lockout is the directory's own lockout state of an account (OpenLDAP
// ppolicy's pwdAccountLockedTime, pwdFailureTime, pwdGraceUseTime), as
// the helpdesk sees it.
type Lockout struct {
	LockedAt    time.Time // zero: not locked
	Failures    int       // failed binds the policy still counts
	LastFailure time.Time
	GraceUsed   int // grace logins used since the password expired
}

// Fields a helpdesk search may match exactly (Searcher).
const (
	FieldINE    = "ine"
	FieldEmail  = "email"
	FieldMobile = "mobile"
)
