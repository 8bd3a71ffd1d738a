package steps

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/mask"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/students"
)

// send generates the next code and sends it to the mobile and the e-mail
// address on record (never to what was typed: the typed phone only had to
// match). Every send counts against the hourly caps, since SMS cost money.
func (v *Verify) send(ctx context.Context, f *flow.Flow, x *flow.Exchange) error {
	if !x.Started.IsZero() {
		// sms.wait and mail.wait count from the student's request: the
		// lookup below (a Pégase 200 ms away) is part of the wait.
		ctx = notify.ForScreen(ctx, x.Started)
	}
	found, err := record(ctx, v.svc, f)
	if err != nil {
		return err
	}
	// A channel the definition leaves out is as if the record had no
	// such contact, but the screen does not call it missing.
	r := *found
	if !v.sms {
		r.Mobile = ""
	}
	if !v.mail {
		r.Email = ""
	}
	rec := &r
	f.OTP.NoMobile, f.OTP.NoEmail = v.sms && rec.Mobile == "", v.mail && rec.Email == ""
	if rec.Mobile == "" && rec.Email == "" {
		return flow.ErrNoRecipient
	}
	// A code that could not be judged would be an SMS paid for nothing.
	if err := regulate(ctx, v.svc.Regulator, false, regulation.CodeVerifyPerStudent, rec.StudentID); err != nil {
		return err
	}
	// The student and the phone take turns from the check to the count:
	// their sends are counted only once one reached someone, so parallel
	// sends must not all pass the check first.
	release, err := turn(ctx, v.svc.Regulator, regulation.Hold{Key: "send:student:" + rec.StudentID, Slots: 1},
		regulation.Hold{Key: "send:phone:" + rec.Mobile, Slots: 1})
	if err != nil {
		return err
	}
	defer release()
	ip := regulation.IPKey(x.IP)
	limits := []struct {
		rule regulation.Rule
		key  string
	}{{regulation.CodeSendPerIP, ip}, {regulation.CodeSendPerPhone, rec.Mobile},
		{regulation.CodeSendPerStudent, rec.StudentID}}
	// Every limit is checked before any is counted: a send refused by
	// one (a busy address) must not spend the phone's budget under the
	// others, or anyone could use up a student's codes for free.
	for _, l := range limits {
		if err := regulate(ctx, v.svc.Regulator, false, l.rule, l.key); err != nil {
			return err
		}
	}
	// The address's send is counted now, whatever comes of it (the
	// address is what pumps SMS); the student's and the phone's only if
	// the code reached someone: an outage must not use up their budget.
	if err := regulate(ctx, v.svc.Regulator, true, regulation.CodeSendPerIP, ip); err != nil {
		return err
	}
	code := NewCode(v.code.Length)
	minutes := int(v.code.TTL.D() / time.Minute)
	var smsTo, mailTo, smsRefused, smsSending string
	var late bool
	var errs []error
	if rec.Mobile != "" {
		body := x.T.T("sms.code", code, minutes)
		var tracked string
		sctx := notify.Track(ctx, func(id string) { tracked = id })
		err := v.svc.SMS.SendSMS(sctx, notify.SMS{To: rec.Mobile, Body: body, Code: code})
		if tracked != "" && v.svc.Deliveries != nil {
			// The helpdesk's case page says what became of it.
			if err := v.svc.Deliveries.Remember(ctx, rec.StudentID, tracked); err != nil {
				v.svc.Logger.WarnContext(ctx, "last sms not kept for the helpdesk", "err", err)
			}
		}
		switch {
		case err == nil:
			smsTo = mask.Phone(rec.Mobile)
			if v.svc.Deliveries != nil && v.svc.Deliveries.Reported() {
				smsSending = tracked // followed until the provider reports
			}
		case errors.Is(err, notify.ErrCountryRefused), errors.Is(err, notify.ErrBudgetSpent):
			// On purpose (a country SMS may not go to, the day's budget
			// spent): the e-mail carries the code, and the screen says why.
			smsRefused = "verify.unsent.sms.country"
			if errors.Is(err, notify.ErrBudgetSpent) {
				smsRefused = "verify.unsent.sms.budget"
			}
		case errors.Is(err, notify.ErrDeferred):
			// Still being sent, off this request: it counts as sent,
			// and the screen follows it.
			var de *notify.DeferredError
			if errors.As(err, &de) {
				smsSending = de.ID
			}
			smsTo, late = mask.Phone(rec.Mobile), true
		case timedOut(err):
			// The provider may well have taken it: the SMS counts as
			// sent (it may cost), and the screen says it may be late.
			smsTo, late = mask.Phone(rec.Mobile), true
			errs = append(errs, fmt.Errorf("sms (may have been taken): %w", err))
		default:
			errs = append(errs, fmt.Errorf("sms: %w", err))
		}
	}
	if rec.Email != "" {
		// A mail still being sent (notify.ErrDeferred) counts as sent:
		// relays take their time, and mail is not paid by the message.
		if err := v.mailCode(ctx, rec, code, minutes, x); err != nil && !errors.Is(err, notify.ErrDeferred) {
			errs = append(errs, fmt.Errorf("mail: %w", err))
		} else {
			mailTo = mask.Email(rec.Email)
		}
	}
	if len(errs) > 0 {
		v.svc.Logger.ErrorContext(ctx, "code delivery failed", "flow", f.Name, "err", errors.Join(errs...))
	}
	if smsTo == "" && mailTo == "" {
		if smsRefused != "" && rec.Email == "" {
			return flow.ErrNoRecipient
		}
		// Reached no one: nothing is counted against the student or the
		// phone, and a code sent earlier stays the valid one.
		return fmt.Errorf("verify: code not delivered: %w", errors.Join(errs...))
	}
	for _, l := range limits[1:] {
		if err := regulate(ctx, v.svc.Regulator, true, l.rule, l.key); err != nil {
			var le *flow.LimitedError
			if !errors.As(err, &le) {
				v.svc.Logger.ErrorContext(ctx, "regulation", "rule", l.rule, "err", err)
			}
		}
	}
	f.OTP.Digest, f.OTP.SMSTo, f.OTP.MailTo, f.OTP.SMSLate, f.OTP.SMSRefused = digest(f.ID, code), smsTo, mailTo, late, smsRefused
	f.OTP.SMSSending = smsSending
	f.OTP.SentAt = v.svc.Now()
	v.svc.Logger.InfoContext(ctx, "code sent", "flow", f.Name, "sms", f.OTP.SMSTo, "mail", f.OTP.MailTo,
		"resends", f.OTP.Resends)
	return nil
}

// timedOut tells a send that ran out of time, whose fate is unknown, from
// one the provider refused.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func (v *Verify) mailCode(ctx context.Context, rec *students.Record, code string, minutes int, x *flow.Exchange) error {
	m, err := x.Theme.RenderMailWith("code", x.T, map[string]any{
		"Code": code, "Minutes": minutes, "FirstName": rec.FirstName})
	if err != nil {
		return err
	}
	return v.svc.Mail.SendMail(ctx, notify.Mail{To: rec.Email, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Code: code})
}

// judge checks code, holding the student's turn from the limit check to
// the wrong-code count: parallel guesses from many flows would otherwise
// all pass the check before any was counted.
func (v *Verify) judge(ctx context.Context, f *flow.Flow, code string) error {
	release, err := turn(ctx, v.svc.Regulator, regulation.Hold{Key: "code:student:" + f.StudentID, Slots: 1})
	if err != nil {
		return err
	}
	defer release()
	// The student's wrong codes across flows are checked before this one
	// is judged: a full limit refuses the right code too, or each new
	// flow would be one more free guess.
	if err := regulate(ctx, v.svc.Regulator, false, regulation.CodeVerifyPerStudent, f.StudentID); err != nil {
		return err
	}
	if hmac.Equal([]byte(digest(f.ID, code)), []byte(f.OTP.Digest)) {
		return nil
	}
	if hc := v.svc.HelpdeskCodes; hc != nil {
		ok, err := hc.Take(ctx, f.StudentID, code)
		if err != nil {
			return err
		}
		if ok {
			v.svc.Logger.InfoContext(ctx, "helpdesk code accepted", "flow", f.Name)
			return nil
		}
	}
	f.OTP.Attempts++
	if err := regulate(ctx, v.svc.Regulator, true, regulation.CodeVerifyPerStudent, f.StudentID); err != nil {
		// Many wrong codes across flows: stop this flow as well.
		var le *flow.LimitedError
		if errors.As(err, &le) {
			return flow.ErrTooManyCodes
		}
		return err
	}
	v.svc.Logger.InfoContext(ctx, "code failed", "flow", f.Name, "attempts", f.OTP.Attempts)
	if f.OTP.Attempts >= v.code.MaxAttempts {
		return flow.ErrTooManyCodes
	}
	return &flow.CodeError{Remaining: v.code.MaxAttempts - f.OTP.Attempts}
}

// resend sends a new code, no sooner than the cooldown after the last.
func (v *Verify) resend(ctx context.Context, f *flow.Flow, x *flow.Exchange) error {
	if wait := f.OTP.SentAt.Add(v.code.ResendCooldown.D()).Sub(v.svc.Now()); wait > 0 {
		return &flow.ResendWaitError{Wait: wait}
	}
	f.OTP.Resends++
	if err := v.send(ctx, f, x); err != nil {
		return err
	}
	f.Notice = "verify.resent"
	return nil
}

// NewCode draws a code of n decimal digits, uniformly (rand.Int, not a
// modulo of random bytes, which would favour low digits).
func NewCode(n int) string {
	b := make([]byte, n)
	ten := big.NewInt(10)
	for i := range b {
		d, err := rand.Int(rand.Reader, ten)
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

// digest is what the flow keeps of a code: an HMAC keyed with the flow
// id. The id is the cookie, which the store never sees (the flow's key is
// its hash), so a dump of the store cannot be searched for the code.
func digest(flowID, code string) string {
	m := hmac.New(sha256.New, []byte(flowID))
	m.Write([]byte(code))
	return base64.RawStdEncoding.EncodeToString(m.Sum(nil))
}
