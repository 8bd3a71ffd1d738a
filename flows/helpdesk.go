package flows

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/flows/steps"
	"github.com/seuil-idp/seuil/idp/mask"
	"github.com/seuil-idp/seuil/idp/state"
)

// A helpdesk code is a code the helpdesk has sent to a student's contacts
// on record (never to a contact typed by staff), for a student whose
// own code never arrived. Any of the student's flows at the verify step
// takes it once, within its lifetime; the student still had to match
// their number, INE and mobile in that flow. Redis keeps only HMACs
// under Deps.Secret, which Redis never sees.
const (
	helpdeskCodeTTL    = 10 * time.Minute
	helpdeskCodeDigits = 6
)

type helpdeskCode struct {
	Digest string `json:"digest"`
}

// helpdeskCodes is the verify step's view of them (flow.HelpdeskCodes).
type helpdeskCodes struct {
	st     *state.Store
	secret []byte
}

func (c helpdeskCodes) mac(parts ...string) string {
	m := hmac.New(sha256.New, c.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

func (c helpdeskCodes) key(studentID string) string {
	return "helpdesk-code:" + c.mac("key", studentID)[:32]
}

// Take reports whether code is the student's helpdesk code, and spends it.
func (c helpdeskCodes) Take(ctx context.Context, studentID, code string) (bool, error) {
	var hc helpdeskCode
	err := c.st.Get(ctx, c.key(studentID), &hc)
	if errors.Is(err, state.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !hmac.Equal([]byte(hc.Digest), []byte(c.mac("code", studentID, code))) {
		return false, nil
	}
	// Take it: of two flows typing it at once, one wins.
	if err := c.st.Take(ctx, c.key(studentID), &hc); errors.Is(err, state.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// ErrNoHelpdeskCodes means the handler has no secret to keep them with.
var ErrNoHelpdeskCodes = errors.New("flows: helpdesk codes need Deps.Secret")

// SendHelpdeskCode sends a new code to the mobile and the e-mail on
// record of studentID, in lang, and returns where it went (masked). The
// code replaces any earlier helpdesk code of the student; it counts
// against no student limit (staff sent it, and the audit trail says so),
// but the SMS guard (countries, daily budget) applies.
func (h *Handler) SendHelpdeskCode(ctx context.Context, studentID, lang string) (smsTo, mailTo string, err error) {
	if len(h.deps.Secret) < 16 {
		return "", "", ErrNoHelpdeskCodes
	}
	rec, err := h.deps.Students.Lookup(ctx, studentID)
	if err != nil {
		return "", "", err
	}
	if rec.Mobile == "" && rec.Email == "" {
		return "", "", flow.ErrNoRecipient
	}
	codes := helpdeskCodes{st: h.deps.Store, secret: h.deps.Secret}
	code := steps.NewCode(helpdeskCodeDigits)
	t := h.deps.Themes.Get("default")
	tr := t.Translator(lang)
	minutes := int(helpdeskCodeTTL / time.Minute)
	var errs []error
	if rec.Mobile != "" && h.deps.SMS != nil {
		// Still being sent (notify.ErrDeferred) counts as sent.
		if err := h.deps.SMS.SendSMS(ctx, notify.SMS{To: rec.Mobile, Body: tr.T("sms.code", code, minutes), Code: code}); err != nil && !errors.Is(err, notify.ErrDeferred) {
			errs = append(errs, fmt.Errorf("sms: %w", err))
		} else {
			smsTo = mask.Phone(rec.Mobile)
		}
	}
	if rec.Email != "" && h.deps.Mail != nil {
		m, err := t.RenderMail("code", tr.Lang, map[string]any{"Code": code, "Minutes": minutes, "FirstName": rec.FirstName})
		if err == nil {
			err = h.deps.Mail.SendMail(ctx, notify.Mail{To: rec.Email, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Code: code})
		}
		if err != nil && !errors.Is(err, notify.ErrDeferred) {
			errs = append(errs, fmt.Errorf("mail: %w", err))
		} else {
			mailTo = mask.Email(rec.Email)
		}
	}
	if smsTo == "" && mailTo == "" {
		return "", "", fmt.Errorf("flows: helpdesk code not delivered: %w", errors.Join(errs...))
	}
	if err := h.deps.Store.Put(ctx, codes.key(studentID), helpdeskCode{Digest: codes.mac("code", studentID, code)}, helpdeskCodeTTL); err != nil {
		return "", "", err
	}
	return smsTo, mailTo, nil
}
