package steps

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/students"
)

// CodeParams are the activation code's definition parameters.
type CodeParams struct {
	Length         int           `yaml:"length"`
	TTL            flow.Duration `yaml:"ttl"`
	MaxAttempts    int           `yaml:"max_attempts"`
	ResendCooldown flow.Duration `yaml:"resend_cooldown"`
}

// VerifyParams are the verify step's definition parameters.
type VerifyParams struct {
	Code CodeParams `yaml:"code"`
	// Channels the code goes by: sms, mail, or both (the default, as the
	// specification asks). ANSSI advises against SMS as a factor (it can
	// be redirected); a university that follows it lists mail alone.
	Channels []string `yaml:"channels"`
}

// Verify checks the identify data against the student record, sends a
// code to the mobile and e-mail address on record, and checks the code.
type Verify struct {
	code      CodeParams
	sms, mail bool // the channels the definition allows
	svc       *flow.Services
}

// NewVerify builds the verify step.
func NewVerify(p flow.Params, s *flow.Services) (flow.Step, error) {
	prm := VerifyParams{Code: CodeParams{Length: 6, TTL: flow.Duration(10 * time.Minute),
		MaxAttempts: 5, ResendCooldown: flow.Duration(60 * time.Second)}}
	if err := p.Decode(&prm); err != nil {
		return nil, err
	}
	c := prm.Code
	switch {
	case c.Length < 6 || c.Length > 8:
		return nil, fmt.Errorf("%s.code.length: %d is not between 6 and 8", p.Path, c.Length)
	case c.TTL.D() < time.Minute || c.TTL.D() > time.Hour:
		return nil, fmt.Errorf("%s.code.ttl: %s is not between 1m and 1h", p.Path, c.TTL.D())
	case c.MaxAttempts < 1 || c.MaxAttempts > 10:
		return nil, fmt.Errorf("%s.code.max_attempts: %d is not between 1 and 10", p.Path, c.MaxAttempts)
	case c.ResendCooldown.D() < 0 || c.ResendCooldown.D() > 10*time.Minute:
		return nil, fmt.Errorf("%s.code.resend_cooldown: %s is not between 0s and 10m", p.Path, c.ResendCooldown.D())
	}
	v := &Verify{code: c, svc: s}
	if len(prm.Channels) == 0 {
		v.sms, v.mail = true, true
	}
	for i, ch := range prm.Channels {
		switch ch {
		case "sms":
			v.sms = true
		case "mail":
			v.mail = true
		default:
			return nil, fmt.Errorf("%s.channels[%d]: %q is not sms or mail", p.Path, i, ch)
		}
	}
	return v, nil
}

// Name implements flow.Step.
func (v *Verify) Name() string { return "verify" }

// VerifyData is the verify page's data.
type VerifyData struct {
	SMSTo, MailTo string // masked
	// Unsent names (as translation keys) each channel the code did not
	// go by, and why: none on record, or the sending failed.
	Unsent     []string
	Length     int
	TTLMinutes int
	Remaining  int
	// SMS is what became of an SMS still being sent when the code was
	// sent (its message key and time), "" otherwise.
	SMS SMSDelivery
}

// SMSDelivery is the SMS's fate as the screen says it.
type SMSDelivery struct {
	Key, At string
	Sending bool // the page follows it (seuil.js reloads the line)
}

// Show implements flow.Step.
func (v *Verify) Show(ctx context.Context, f *flow.Flow, _ *flow.Exchange) (string, any) {
	d := VerifyData{SMSTo: f.OTP.SMSTo, MailTo: f.OTP.MailTo, Length: v.code.Length,
		TTLMinutes: int(v.code.TTL.D() / time.Minute), Remaining: v.code.MaxAttempts - f.OTP.Attempts}
	d.SMS = v.smsDelivery(ctx, f)
	d.Unsent = v.unsent(f, d.SMS.Key != "")
	return "verify", d
}

// smsDelivery follows an SMS: sending, sent (the provider took it) at a
// time, failed (the e-mail has the code), and, where the provider
// reports, delivered to the phone at a time or not delivered.
func (v *Verify) smsDelivery(ctx context.Context, f *flow.Flow) SMSDelivery {
	if f.OTP.SMSSending == "" || v.svc.Deliveries == nil {
		return SMSDelivery{}
	}
	st, err := v.svc.Deliveries.Delivery(ctx, f.OTP.SMSSending)
	at := st.At.Local().Format("15:04")
	switch {
	case err != nil:
		return SMSDelivery{} // gone or unreadable: the "may be late" line stays
	case st.State == notify.Delivered:
		return SMSDelivery{Key: "verify.delivery.sms.delivered", At: at}
	case st.State == notify.Undelivered:
		return SMSDelivery{Key: "verify.delivery.sms.undelivered"}
	case st.State == notify.Sent:
		return SMSDelivery{Key: "verify.delivery.sms.sent", At: at, Sending: v.svc.Deliveries.Reported()}
	case st.State == notify.Failed:
		return SMSDelivery{Key: "verify.delivery.sms.failed"}
	}
	return SMSDelivery{Key: "verify.delivery.sms.sending", Sending: true}
}

// unsent lists why a channel did not carry the code; followed: the
// SMS's own line says what became of it.
func (v *Verify) unsent(f *flow.Flow, followed bool) []string {
	if !f.Matched {
		return nil
	}
	var out []string
	switch {
	case !v.sms:
	case f.OTP.NoMobile:
		out = append(out, "verify.unsent.sms.none")
	case f.OTP.SMSRefused != "":
		out = append(out, f.OTP.SMSRefused)
	case f.OTP.SMSTo == "":
		out = append(out, "verify.unsent.sms.failed")
	case f.OTP.SMSLate && !followed:
		out = append(out, "verify.unsent.sms.late")
	}
	switch {
	case !v.mail:
	case f.OTP.NoEmail:
		out = append(out, "verify.unsent.mail.none")
	case f.OTP.MailTo == "":
		out = append(out, "verify.unsent.mail.failed")
	}
	return out
}

// Enter runs the coherence check, then sends the first code.
func (v *Verify) Enter(ctx context.Context, f *flow.Flow, x *flow.Exchange) error {
	v.Rewind(f) // nothing from an earlier identity may survive this one
	rec, err := v.cohere(ctx, f, x)
	if err != nil {
		return err
	}
	// The record is looked up again when needed; the typed INE and phone
	// have matched it and are not kept.
	f.Record, f.Matched, f.INE, f.Phone = &rec, true, "", ""
	if err := v.findAccount(ctx, f); err != nil {
		return err
	}
	f.OTP = flow.OTP{}
	return v.send(ctx, f, x)
}

// cohere looks the student up and checks the typed details against the
// record, holding its turn from the limit check to the mismatch count.
func (v *Verify) cohere(ctx context.Context, f *flow.Flow, x *flow.Exchange) (students.Record, error) {
	ip := regulation.IPKey(x.IP)
	release, err := turn(ctx, v.svc.Regulator,
		regulation.Hold{Key: "identify:ip:" + ip, Slots: identifyIPSlots},
		regulation.Hold{Key: "identify:student:" + f.StudentID, Slots: 1})
	if err != nil {
		return students.Record{}, err
	}
	defer release()
	if err := regulate(ctx, v.svc.Regulator, false, regulation.IdentifyPerIP, ip); err != nil {
		return students.Record{}, err
	}
	pair := regulation.PairKey(f.StudentID, x.IP)
	if err := regulate(ctx, v.svc.Regulator, false, regulation.IdentifyPerStudentIP, pair); err != nil {
		return students.Record{}, err
	}
	if err := regulate(ctx, v.svc.Regulator, false, regulation.IdentifyPerStudent, f.StudentID); err != nil {
		return students.Record{}, err
	}
	rec, err := v.svc.Students.Lookup(ctx, f.StudentID)
	if err != nil && !errors.Is(err, students.ErrNotFound) {
		return students.Record{}, fmt.Errorf("%w: verify: lookup: %w", flow.ErrSourceUnavailable, err)
	}
	// A record without a mobile (APOGEE leaves it optional) is matched on
	// the number and INE: the code, sent to the e-mail on record, is what
	// proves the person, and refusing would lock the student out.
	if err != nil || !same(rec.INE, f.INE) || (rec.Mobile != "" && !same(rec.Mobile, f.Phone)) {
		// Every counter moves on every mismatch: the address (someone
		// trying many students), the student from that address (the
		// tight one), and the student from anywhere (many addresses
		// trying one student; a high ceiling, so that a guesser
		// elsewhere cannot lock the student out).
		v.count(ctx, regulation.IdentifyPerIP, ip)
		v.count(ctx, regulation.IdentifyPerStudentIP, pair)
		v.count(ctx, regulation.IdentifyPerStudent, f.StudentID)
		v.svc.Logger.InfoContext(ctx, "identify mismatch", "flow", f.Name, "ip", x.IP)
		return students.Record{}, flow.ErrMismatch
	}
	if rec.Hold != "" {
		v.svc.Logger.InfoContext(ctx, "identify held by the student source", "flow", f.Name, "hold", string(rec.Hold))
		return students.Record{}, &flow.HeldError{Hold: rec.Hold}
	}
	return rec, nil
}

// findAccount notes whether the student already activated their account;
// the screen only says so once the code has proved who they are.
func (v *Verify) findAccount(ctx context.Context, f *flow.Flow) error {
	acct, err := v.svc.Directory.FindByStudentID(ctx, f.StudentID)
	switch {
	case errors.Is(err, directory.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("verify: directory: %w", err)
	}
	f.Login = acct.Login
	f.AlreadyActive = acct.State == directory.StateActive
	return nil
}

// same compares two identifiers in constant time.
func same(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Submit checks the code, or sends a new one when asked.
func (v *Verify) Submit(ctx context.Context, f *flow.Flow, x *flow.Exchange) (flow.Outcome, error) {
	if !f.Matched {
		return flow.Stay, flow.ErrMismatch
	}
	if x.Action() == "resend" {
		return flow.Stay, v.resend(ctx, f, x)
	}
	code := strings.Map(dropSpaces, x.Form.Get("code"))
	if code == "" {
		var errs flow.FieldErrors
		errs.Add("code", "verify.code.required")
		return flow.Stay, errs
	}
	if v.svc.Now().After(f.OTP.SentAt.Add(v.code.TTL.D())) || f.OTP.Digest == "" {
		return flow.Stay, flow.ErrCodeExpired
	}
	if err := v.judge(ctx, f, code); err != nil {
		return flow.Stay, err
	}
	// The code is spent: its digest goes, so no replay can pass again.
	f.OTP.Digest = ""
	f.Verified = true
	if len(f.AMR) == 0 {
		f.ProvedAt = v.svc.Now()
	}
	f.AMR = appendOnce(f.AMR, "otp")
	v.svc.Logger.InfoContext(ctx, "code verified", "flow", f.Name, "already_active", f.AlreadyActive)
	if acct, err := v.svc.Directory.FindByStudentID(ctx, f.StudentID); err == nil && acct.State == directory.StateLocked {
		return flow.Stay, flow.ErrAccountLocked
	}
	return flow.Next, nil
}

// Rewind forgets the record and the code when the student goes back.
func (v *Verify) Rewind(f *flow.Flow) {
	f.Refill = f.Refill || f.Matched
	f.Record, f.Matched, f.OTP, f.Verified, f.AlreadyActive, f.Login, f.AMR = nil, false, flow.OTP{}, false, false, "", nil
}

// count records a failure; a refusal only matters on the next attempt.
func (v *Verify) count(ctx context.Context, rule regulation.Rule, key string) {
	err := regulate(ctx, v.svc.Regulator, true, rule, key)
	var le *flow.LimitedError
	if err != nil && !errors.As(err, &le) {
		v.svc.Logger.ErrorContext(ctx, "regulation", "rule", rule, "err", err)
	}
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

var _ flow.Enterer = (*Verify)(nil)
