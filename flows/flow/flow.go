// Package flow holds the types every self-service step shares: the flow
// state (one typed object stored with a TTL, Kratos-style), the Step
// interface and its factories, the typed errors users see, and the
// interfaces of the services steps call. The runner (package flows) owns
// the state and the transitions; steps (package flows/steps) only read and
// change the Flow they are handed.
package flow

import (
	"time"

	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/idp/students"
)

// Flow is one student's run through a flow definition. It is serialised
// as JSON into the state store under Key(ID), read and written by the
// runner only.
//
// What is stored is what a dump of Redis may show: no flow id (the key is
// its hash), no code (only its keyed digest), no contact, INE or birth
// date (the record is looked up again when a step needs it). See Record.
type Flow struct {
	// ID is the flow cookie's value; never stored.
	ID    string `json:"-"`
	Name  string `json:"name"`            // definition name: "activation", "reset", "expired"
	Shape string `json:"shape,omitempty"` // the definition's step names when started
	Step  int    `json:"step"`            // index of the current step
	// StepSince is when the current step's screen was first shown (the
	// flow started, or the step before done): the time a student spends
	// on each screen, for the campaign's figures.
	StepSince time.Time `json:"step_since,omitzero"`
	Version   int       `json:"version"`
	ExpiresAt time.Time `json:"expires_at"`
	CSRF      string    `json:"csrf"`
	Lang      string    `json:"lang"`

	// What the student typed at identify, normalised. INE and Phone are
	// kept only until they matched the record (to refill the form after
	// a mismatch); then they go.
	StudentID string `json:"student_id,omitempty"`
	INE       string `json:"ine,omitempty"`
	Phone     string `json:"phone,omitempty"`
	// Matched: the typed details matched the record of StudentID.
	Matched bool `json:"matched,omitempty"`
	// Refill: the student went back after a match; identify shows the
	// matched record's INE and mobile again.
	Refill bool `json:"refill,omitempty"`
	// Record caches the student's record for one request, once matched;
	// never stored (steps call steps.record, which looks it up again).
	Record *students.Record `json:"-"`
	// SampleExpiredOn is the previews' sample expiry date (never stored:
	// a real flow's comes from the directory).
	SampleExpiredOn time.Time `json:"-"`

	OTP      OTP  `json:"otp"`
	Verified bool `json:"verified,omitempty"`
	// AMR lists how the student proved who they are so far ("otp" after
	// the code, "pwd" when the login page checked their old password).
	AMR           []string `json:"amr,omitempty"`
	AlreadyActive bool     `json:"already_active,omitempty"`
	// ProvedAt is when the student first proved who they are in this
	// flow (the code, or the old password at the login page).
	ProvedAt time.Time `json:"proved_at,omitzero"`

	Login        string `json:"login,omitempty"`
	LoginPattern string `json:"login_pattern,omitempty"`
	PasswordSet  bool   `json:"password_set,omitempty"`
	Done         bool   `json:"done,omitempty"`

	// From a handover ticket (the OIDC provider sent the browser here).
	Continue string `json:"continue,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	// Theme is the relying party's theme when it differs from the flow's.
	Theme string `json:"theme,omitempty"`
	// Landing is the target of the done screen's button, set on entering it.
	Landing string `json:"landing,omitempty"`
	// Notice is a one-shot message key shown on the next render.
	Notice string `json:"notice,omitempty"`
	// Confirmed is the masked address the done screen's confirmation
	// mail went to.
	Confirmed string `json:"confirmed,omitempty"`
}

// OTP is the state of the activation code. The code itself is never
// stored, nor anything it could be computed from: Digest is an HMAC of
// the code keyed with the flow id, which only the browser holds, so a
// Redis dump cannot be searched for the code (10⁶ guesses each need the
// key).
type OTP struct {
	Digest   string    `json:"digest,omitempty"`
	Attempts int       `json:"attempts,omitempty"` // wrong codes entered for this flow
	SentAt   time.Time `json:"sent_at,omitzero"`
	Resends  int       `json:"resends,omitempty"`
	// Masked recipients, for the screen.
	SMSTo  string `json:"sms_to,omitempty"`
	MailTo string `json:"mail_to,omitempty"`
	// SMSLate: the SMS provider did not answer in time; it may have
	// taken the SMS, which may then arrive late.
	SMSLate bool `json:"sms_late,omitempty"`
	// SMSRefused is the message key saying why no SMS was sent on
	// purpose (the number's country, the day's SMS budget).
	SMSRefused string `json:"sms_refused,omitempty"`
	// SMSSending names the SMS the screen follows (notify.Track's id):
	// one still being sent when the code went, or, where the provider
	// reports deliveries, any, until it is delivered or not.
	SMSSending string `json:"sms_sending,omitempty"`
	// The record had no mobile, or no e-mail address (the screen says
	// why a channel was not used).
	NoMobile bool `json:"no_mobile,omitempty"`
	NoEmail  bool `json:"no_email,omitempty"`
}

// Key is the state store key of a flow: a hash of its id, so that the
// keys of a Redis dump are not cookies.
func Key(id string) string { return state.OpaqueKey("flow:", id) }

// DefaultLoginPattern builds the login from the student number (one
// syntax with seuil sync: see directory.ExpandLogin).
const DefaultLoginPattern = directory.DefaultLoginPattern

// ExpandLogin fills a login pattern with a student's data.
func ExpandLogin(pattern string, rec students.Record) string {
	return directory.ExpandLogin(pattern, rec.StudentID, rec.INE)
}

// AccountLogin returns the login the password step sets: the one found in
// the directory or handed over, else the pattern applied to the record.
func (f *Flow) AccountLogin() string {
	if f.Login != "" {
		return f.Login
	}
	if f.Record == nil {
		return ""
	}
	return ExpandLogin(f.LoginPattern, *f.Record)
}
