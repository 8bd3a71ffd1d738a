package console

import (
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/staff"
)

type auditPage struct {
	Student, Actor, Kind, From, To string
	Events                         []audit.Event
	Durable                        bool
	Retention                      int // days
	CSV                            string
	More                           bool
}

const auditPageSize = 200

// filter reads the audit filters from the query; dates are days (local
// form fields, YYYY-MM-DD), To inclusive.
func filter(r *http.Request) (audit.Filter, auditPage) {
	q := r.URL.Query()
	p := auditPage{Student: strings.TrimSpace(q.Get("student")), Actor: strings.TrimSpace(q.Get("actor")),
		Kind: strings.TrimSpace(q.Get("kind")), From: q.Get("from"), To: q.Get("to")}
	f := audit.Filter{Actor: p.Actor, Kind: p.Kind}
	if p.Student != "" {
		f.Subjects = []string{p.Student}
	}
	if t, err := time.Parse(time.DateOnly, p.From); err == nil {
		f.From = t
	} else {
		p.From = ""
	}
	if t, err := time.Parse(time.DateOnly, p.To); err == nil {
		f.To = t.Add(24 * time.Hour)
	} else {
		p.To = ""
	}
	return f, p
}

func (c *Console) auditView(w http.ResponseWriter, r *http.Request, m *member) {
	f, p := filter(r)
	f.Limit = auditPageSize + 1
	p.Durable, p.Retention = c.d.Trail.Durable(), int(c.d.Trail.Retention()/(24*time.Hour))
	err := c.d.Trail.Query(r.Context(), f, func(e audit.Event) error { p.Events = append(p.Events, e); return nil })
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if len(p.Events) > auditPageSize {
		p.Events, p.More = p.Events[:auditPageSize], true
	}
	q := r.URL.Query()
	q.Del("lang")
	p.CSV = c.d.BasePath + "/admin/audit.csv?" + q.Encode()
	c.render(w, r, m, http.StatusOK, "admin_audit", "admin.audit.title", view{Current: "audit", Page: p})
}

// auditCSV streams the selected events as CSV, row by row from the
// store; the export itself is audited.
func (c *Console) auditCSV(w http.ResponseWriter, r *http.Request, m *member) {
	f, _ := filter(r)
	if err := c.record(r.Context(), m, audit.Event{Kind: audit.KindExport, Detail: r.URL.RawQuery}); err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="seuil-audit.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"time", "kind", "outcome", "student", "login", "actor", "flow", "detail", "reason", "ref", "ip", "request_id"})
	n := 0
	err := c.d.Trail.Query(r.Context(), f, func(e audit.Event) error {
		n++
		if n%500 == 0 {
			cw.Flush()
		}
		return cw.Write([]string{e.Time.Format(time.RFC3339), e.Kind, e.Outcome, e.Student, e.Login, e.Actor,
			e.Flow, e.Detail, e.Reason, e.Ref, e.IP, e.RequestID})
	})
	cw.Flush()
	if err != nil {
		c.d.Logger.ErrorContext(r.Context(), "audit export", "err", err)
	}
}

type staffPage struct {
	Helpdesk, Admin staff.Holders
	Done            string
}

func (c *Console) staffView(w http.ResponseWriter, r *http.Request, m *member) {
	p := staffPage{Helpdesk: c.d.Roles.Helpdesk, Admin: c.d.Roles.Admin}
	if d := r.URL.Query().Get("done"); d != "" {
		p.Done = d
	}
	c.render(w, r, m, http.StatusOK, "admin_staff", "admin.staff.title", view{Current: "staff", Page: p})
}

// resetFactor removes a colleague's second factor (a lost phone and no
// recovery code left): their next sign-in enrols again.
func (c *Console) resetFactor(w http.ResponseWriter, r *http.Request, m *member) {
	ctx := r.Context()
	login := strings.TrimSpace(r.PostFormValue("login"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	p := staffPage{Helpdesk: c.d.Roles.Helpdesk, Admin: c.d.Roles.Admin}
	if login == "" || reason == "" || len(reason) > 300 {
		c.render(w, r, m, http.StatusUnprocessableEntity, "admin_staff", "admin.staff.title",
			view{Current: "staff", Page: p, Error: m.tr.T("admin.staff.reset.required")})
		return
	}
	roles, err := c.d.Roles.RolesOf(ctx, c.d.Members, login)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if len(roles) == 0 || strings.EqualFold(login, m.s.Login) {
		// Only a role-holder's factor, and never one's own (that would
		// let a stolen session replace the factor it lacks).
		c.render(w, r, m, http.StatusUnprocessableEntity, "admin_staff", "admin.staff.title",
			view{Current: "staff", Page: p, Error: m.tr.T("admin.staff.reset.not_staff")})
		return
	}
	err = c.d.Factors.Reset(ctx, login)
	ev := audit.Event{Kind: audit.KindStaffReset, Login: login, Reason: reason}
	if err != nil {
		ev.Outcome = "failed"
	}
	if rerr := c.record(ctx, m, ev); err == nil {
		err = rerr
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, c.d.BasePath+"/admin/staff?done=1", http.StatusSeeOther)
}
