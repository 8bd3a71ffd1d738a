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
	"time"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/students"
)

// send generates the next code and sends it to the mobile and the e-mail
// address on record (never to what was typed: the typed phone only had to
// match). Every send counts against the hourly caps, since SMS cost money.
func (v *Verify) send(ctx context.Context, f *flow.Flow, x *flow.Exchange) error {
	rec, err := record(ctx, v.svc, f)
	if err != nil {
		return err
	}
	f.OTP.NoMobile, f.OTP.NoEmail = rec.Mobile == "", rec.Email == ""
	if rec.Mobile == "" && rec.Email == "" {
		return flow.ErrNoRecipient
	}
	// A code that could not be judged would be an SMS paid for nothing.
	if err := regulate(ctx, v.svc.Regulator, false, regulation.CodeVerifyPerStudent, rec.StudentID); err != nil {
		return err
	}
	limits := []struct {
		rule regulation.Rule
		key  string
	}{{regulation.CodeSendPerPhone, rec.Mobile}, {regulation.CodeSendPerIP, regulation.IPKey(x.IP)},
		{regulation.CodeSendPerStudent, rec.StudentID}}
	// Every limit is checked before any is counted: a send refused by
	// one (a busy address) must not spend the phone's budget under the
	// others, or anyone could use up a student's codes for free.
	for _, hit := range []bool{false, true} {
		for _, l := range limits {
			if err := regulate(ctx, v.svc.Regulator, hit, l.rule, l.key); err != nil {
				return err
			}
		}
	}
	code := newCode(v.code.Length)
	f.OTP.Digest = digest(f.ID, code)
	minutes := int(v.code.TTL.D() / time.Minute)
	var sent int
	var errs []error
	if rec.Mobile != "" {
		body := x.T.T("sms.code", code, minutes)
		if err := v.svc.SMS.SendSMS(ctx, flow.SMS{To: rec.Mobile, Body: body, Code: code}); err != nil {
			errs = append(errs, fmt.Errorf("sms: %w", err))
		} else {
			sent++
			f.OTP.SMSTo = students.MaskPhone(rec.Mobile)
		}
	}
	if rec.Email != "" {
		if err := v.mailCode(ctx, rec, code, minutes, x); err != nil {
			errs = append(errs, fmt.Errorf("mail: %w", err))
		} else {
			sent++
			f.OTP.MailTo = students.MaskEmail(rec.Email)
		}
	}
	if len(errs) > 0 {
		v.svc.Logger.ErrorContext(ctx, "code delivery failed", "flow", f.Name, "err", errors.Join(errs...))
	}
	if sent == 0 {
		return fmt.Errorf("verify: code not delivered: %w", errors.Join(errs...))
	}
	f.OTP.SentAt = v.svc.Now()
	v.svc.Logger.InfoContext(ctx, "code sent", "flow", f.Name, "sms", f.OTP.SMSTo, "mail", f.OTP.MailTo,
		"resends", f.OTP.Resends)
	return nil
}

func (v *Verify) mailCode(ctx context.Context, rec *students.Record, code string, minutes int, x *flow.Exchange) error {
	m, err := x.Theme.RenderMail("code", x.T.Lang, map[string]any{
		"Code": code, "Minutes": minutes, "FirstName": rec.FirstName})
	if err != nil {
		return err
	}
	return v.svc.Mail.SendMail(ctx, flow.Mail{To: rec.Email, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Code: code})
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

// newCode draws a code of n decimal digits, uniformly (rand.Int, not a
// modulo of random bytes, which would favour low digits).
func newCode(n int) string {
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
