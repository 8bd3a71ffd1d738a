package console

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/staff"
)

type enrolPage struct {
	staff.Enrolment
	// QRImage is the QR code's data: URL, which html/template would
	// otherwise refuse as an unsafe URL. It is ours, a PNG rendered here.
	QRImage template.URL
	Codes   []string // after confirmation: the recovery codes, shown once
}

func (c *Console) enrolForm(w http.ResponseWriter, r *http.Request, m *member) {
	c.showEnrol(w, r, m, http.StatusOK, "")
}

func (c *Console) showEnrol(w http.ResponseWriter, r *http.Request, m *member, status int, errKey string) {
	enrolled, err := c.d.Factors.Enrolled(r.Context(), m.s.Login)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if enrolled {
		// A second enrolment would replace the factor without proving
		// the old one: only an admin's reset allows it.
		http.Redirect(w, r, c.d.BasePath+"/admin/verify", http.StatusSeeOther)
		return
	}
	en, err := c.d.Factors.Begin(m.s.Login)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, m, status, "admin_enrol", "admin.enrol.title", view{Page: enrolPage{Enrolment: en, QRImage: template.URL(en.QR)}, Error: errText(m, errKey)})
}

func (c *Console) enrol(w http.ResponseWriter, r *http.Request, m *member) {
	ctx := r.Context()
	if ok, err := c.d.Factors.Enrolled(ctx, m.s.Login); err != nil || ok {
		http.Redirect(w, r, c.d.BasePath+"/admin/verify", http.StatusSeeOther)
		return
	}
	codes, err := c.d.Factors.Confirm(ctx, m.s.Login, r.PostFormValue("enrolment"), r.PostFormValue("code"))
	if key := factorError(err); key != "" {
		_ = c.record(ctx, m, audit.Event{Kind: audit.KindStaffEnrol, Outcome: outcome(err), Login: m.s.Login})
		c.showEnrol(w, r, m, http.StatusUnprocessableEntity, key)
		return
	}
	if !c.elevate(w, r, err) {
		return
	}
	_ = c.record(ctx, m, audit.Event{Kind: audit.KindStaffEnrol, Login: m.s.Login})
	c.render(w, r, m, http.StatusOK, "admin_enrol", "admin.enrol.done", view{Page: enrolPage{Codes: codes}})
}

func (c *Console) verifyForm(w http.ResponseWriter, r *http.Request, m *member) {
	c.render(w, r, m, http.StatusOK, "admin_verify", "admin.verify.title", view{})
}

func (c *Console) verify(w http.ResponseWriter, r *http.Request, m *member) {
	ctx := r.Context()
	method, err := c.d.Factors.Verify(ctx, m.s.Login, r.PostFormValue("code"))
	if errors.Is(err, staff.ErrNotEnrolled) {
		http.Redirect(w, r, c.d.BasePath+"/admin/enrol", http.StatusSeeOther)
		return
	}
	_ = c.record(ctx, m, audit.Event{Kind: audit.KindStaffSignIn, Outcome: outcome(err), Login: m.s.Login, Detail: method})
	if key := factorError(err); key != "" {
		c.render(w, r, m, http.StatusUnprocessableEntity, "admin_verify", "admin.verify.title", view{Error: m.tr.T(key)})
		return
	}
	if !c.elevate(w, r, err) {
		return
	}
	next := "/admin/"
	if method == "recovery" {
		next = "/admin/?notice=recovery"
	}
	http.Redirect(w, r, c.d.BasePath+next, http.StatusSeeOther)
}

// refusals name each second-factor refusal: its message and its
// outcome in the audit trail.
var refusals = []struct {
	err          error
	key, outcome string
}{
	{staff.ErrWrongCode, "admin.factor.wrong", "wrong_code"},
	{staff.ErrReplayed, "admin.factor.replayed", "replayed"},
	{staff.ErrEnrolExpired, "admin.factor.expired", "expired"},
	{regulation.ErrLimited, "admin.factor.limited", "limited"},
}

// factorError is the message key of a second-factor refusal, "" for
// success or an internal error.
func factorError(err error) string {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.key
		}
	}
	return ""
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.outcome
		}
	}
	return "failed"
}

func errText(m *member, key string) string {
	if key == "" {
		return ""
	}
	return m.tr.T(key)
}

// staffMFA is the AMR (RFC 8176 "mfa") the console adds once a staff
// member proved the second factor on top of the password.
const staffMFA = "mfa"

// elevate records on the session that the second factor was proved,
// once the check returned err (nil); it answers and reports false when
// the check or the record failed.
func (c *Console) elevate(w http.ResponseWriter, r *http.Request, err error) bool {
	if err == nil {
		err = c.d.Sessions.AddAMR(r.Context(), r, "otp", staffMFA)
	}
	if err != nil {
		c.fail(w, r, err)
		return false
	}
	return true
}
