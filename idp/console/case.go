package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/mask"
	"github.com/seuil-idp/seuil/idp/regulation"
	"github.com/seuil-idp/seuil/idp/students"
)

var studentNumber = regexp.MustCompile(`^[0-9]{4,12}$`)

type match struct {
	StudentID, Login, Name string
	URL                    string
}

type homePage struct {
	Query    string
	Matches  []match
	Searched bool
	Durable  bool
	Skipped  int // rows the student source left out
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, m *member) {
	v := view{Current: "home", Page: homePage{Durable: c.d.Trail.Durable(), Skipped: c.skippedCount()}}
	if r.URL.Query().Get("notice") == "recovery" {
		v.Notice = m.tr.T("admin.factor.recovery_used")
	}
	c.render(w, r, m, http.StatusOK, "admin_home", "admin.home.title", v)
}

func (c *Console) caseURL(studentID, login string) string {
	q := url.Values{}
	if studentID != "" {
		q.Set("student", studentID)
	}
	if login != "" {
		q.Set("login", login)
	}
	return c.d.BasePath + "/admin/case?" + q.Encode()
}

// search finds a case by reference, student number, login, INE, e-mail
// or mobile: exact matches only, each value escaped where it is used.
func (c *Console) search(w http.ResponseWriter, r *http.Request, m *member) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := homePage{Query: q, Searched: true, Durable: c.d.Trail.Durable()}
	if len(q) > 254 {
		q = ""
	}
	var found []directory.Account
	var err error
	switch {
	case q == "":
	case audit.NormalizeRef(q) != "":
		var hit *audit.Event
		err = c.d.Trail.Query(ctx, audit.Filter{Ref: audit.NormalizeRef(q), Limit: 1}, func(e audit.Event) error { hit = &e; return nil })
		if hit != nil && (hit.Student != "" || hit.Login != "") {
			http.Redirect(w, r, c.caseURL(hit.Student, hit.Login), http.StatusSeeOther)
			return
		}
	case studentNumber.MatchString(q):
		// The number alone is a case, whether or not an account exists.
		http.Redirect(w, r, c.caseURL(q, ""), http.StatusSeeOther)
		return
	case strings.Contains(q, "@"):
		found, err = c.findBy(ctx, directory.FieldEmail, q)
	default:
		if ine, _, ierr := students.NormaliseINE(q); ierr == nil {
			found, err = c.findBy(ctx, directory.FieldINE, ine)
			break
		}
		if p, perr := students.NormalisePhone(q, "FR"); perr == nil && strings.ContainsAny(q, "0123456789") && !strings.ContainsAny(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			found, err = c.findBy(ctx, directory.FieldMobile, p)
			break
		}
		var a directory.Account
		a, err = c.d.Accounts.FindByLogin(ctx, q)
		if err == nil {
			found = []directory.Account{a}
		}
		if errors.Is(err, directory.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if len(found) == 1 {
		http.Redirect(w, r, c.caseURL(found[0].StudentID, found[0].Login), http.StatusSeeOther)
		return
	}
	for _, a := range found {
		page.Matches = append(page.Matches, match{StudentID: a.StudentID, Login: a.Login,
			Name: a.FirstName + " " + a.LastName, URL: c.caseURL(a.StudentID, a.Login)})
	}
	c.render(w, r, m, http.StatusOK, "admin_home", "admin.home.title", view{Current: "home", Page: page})
}

func (c *Console) findBy(ctx context.Context, field, value string) ([]directory.Account, error) {
	s, ok := c.d.Accounts.(Searcher)
	if !ok {
		return nil, nil
	}
	return s.FindBy(ctx, field, value)
}

// casePage is one student's case.
type casePage struct {
	StudentID, Login string
	Record           *students.Record
	NoRecord         bool
	Email, Mobile    string // masked unless revealed
	Revealed         bool
	Account          *directory.Account
	Lockout          *directory.Lockout
	Blocks           []block
	Events           []audit.Event
	Durable          bool
	Sessions         int
	LastSeen         time.Time
	Done             string // the action just done (message key)
	InProgress       *progress
	// Skipped is the student's row that the source left out, if any:
	// the reason they are turned away at step 1.
	Skipped *students.SkippedRow
	// SMS is what became of the student's last code by SMS.
	SMS *smsState
}

// smsState is the last SMS as the case page says it.
type smsState struct {
	State string
	At    time.Time
}

// progress is a flow the student seems to be in, from the trail: its
// last step within the flows' lifetime, not finished.
type progress struct {
	Flow, Step, Outcome string
	Since, Last         time.Time
}

// flowWindow is how far back a flow may still be in progress (the
// flows' default lifetime).
const flowWindow = time.Hour

func inProgress(events []audit.Event, now time.Time) *progress {
	var p *progress
	for _, e := range events { // newest first
		if e.Flow == "" || e.Actor != "" || now.Sub(e.Time) > flowWindow {
			continue
		}
		if p == nil {
			if e.Kind == audit.KindStep && e.Detail == "password" && e.Outcome == "ok" {
				return nil // the newest step set the password: done
			}
			p = &progress{Flow: e.Flow, Step: strings.SplitN(e.Detail, ":", 2)[0], Outcome: e.Outcome, Since: e.Time, Last: e.Time}
			if e.Kind == audit.KindCodeSent {
				p.Step = "verify"
			}
			continue
		}
		if e.Flow == p.Flow {
			p.Since = e.Time
		}
	}
	return p
}

type block struct {
	Rule  regulation.Rule
	IP    string // the address, for the rules counting (student, address)
	Until time.Time
	Wait  int // minutes
}

// target is a limit to show and lift, with the address it counts from.
type target struct {
	regulation.Target
	ip string
}

// loadCase gathers a case from the query (student= and/or login=).
func (c *Console) loadCase(ctx context.Context, studentID, login string) (*casePage, error) {
	p := &casePage{StudentID: studentID, Login: login, Durable: c.d.Trail.Durable()}
	var acct directory.Account
	var err error
	switch {
	case studentID != "":
		acct, err = c.d.Accounts.FindByStudentID(ctx, studentID)
	case login != "":
		acct, err = c.d.Accounts.FindByLogin(ctx, login)
	default:
		return nil, directory.ErrNotFound
	}
	switch {
	case err == nil:
		p.Account = &acct
		p.StudentID, p.Login = acct.StudentID, acct.Login
	case !errors.Is(err, directory.ErrNotFound):
		return nil, err
	case studentID == "":
		return nil, directory.ErrNotFound
	}
	if p.Login == "" && c.d.LoginFor != nil {
		p.Login = c.d.LoginFor(p.StudentID)
	}
	if p.StudentID != "" && c.d.Skipped != nil {
		rows, _ := c.d.Skipped()
		for i := range rows {
			if rows[i].StudentID == p.StudentID {
				p.Skipped = &rows[i]
				break
			}
		}
	}
	if p.StudentID != "" {
		rec, err := c.d.Students.Lookup(ctx, p.StudentID)
		switch {
		case err == nil:
			p.Record = &rec
			p.Email, p.Mobile = mask.Email(rec.Email), mask.Phone(rec.Mobile)
		case errors.Is(err, students.ErrNotFound):
			p.NoRecord = true
		default:
			return nil, err
		}
	}
	if p.Account != nil {
		if lk, ok := c.d.Accounts.(Lockouts); ok {
			l, err := lk.Lockout(ctx, p.Login)
			if err != nil {
				return nil, err
			}
			p.Lockout = &l
		}
		live, err := c.d.Sessions.Of(ctx, p.Login)
		if err != nil {
			return nil, err
		}
		p.Sessions = len(live)
		for _, s := range live {
			if s.LastSeen.After(p.LastSeen) {
				p.LastSeen = s.LastSeen
			}
		}
	}
	err = c.d.Trail.Query(ctx, audit.Filter{Subjects: []string{p.StudentID, p.Login}, Limit: 40},
		func(e audit.Event) error { p.Events = append(p.Events, e); return nil })
	if err != nil {
		return nil, err
	}
	p.InProgress = inProgress(p.Events, time.Now())
	if c.d.LastSMS != nil {
		if st, at, ok := c.d.LastSMS(ctx, p.StudentID); ok {
			p.SMS = &smsState{State: st, At: at}
		}
	}
	for _, t := range c.targets(p) {
		d, err := c.d.Limits.Check(ctx, t.Rule, t.Key)
		if err != nil && !errors.Is(err, regulation.ErrLimited) {
			return nil, err
		}
		if !d.Allowed {
			p.Blocks = append(p.Blocks, block{Rule: t.Rule, IP: t.ip, Until: time.Now().Add(d.RetryAfter),
				Wait: int((d.RetryAfter + time.Minute - 1) / time.Minute)})
		}
	}
	return p, nil
}

// targets are the limits that can hold this student back, keyed as the
// flows and the sign-in page key them. The limits per (student or
// account, address) are hashed with the address, so they are listed for
// the addresses the case's recent history shows.
func (c *Console) targets(p *casePage) []target {
	var out []target
	add := func(rule regulation.Rule, key, ip string) {
		out = append(out, target{regulation.Target{Rule: rule, Key: key}, ip})
	}
	var ips []string
	for _, e := range p.Events {
		if e.IP != "" && e.Actor == "" && !slices.Contains(ips, e.IP) && len(ips) < 8 {
			ips = append(ips, e.IP)
		}
	}
	if p.StudentID != "" {
		add(regulation.IdentifyPerStudent, p.StudentID, "")
		add(regulation.CodeSendPerStudent, p.StudentID, "")
		add(regulation.CodeVerifyPerStudent, p.StudentID, "")
		for _, ip := range ips {
			add(regulation.IdentifyPerStudentIP, regulation.PairKey(p.StudentID, ip), ip)
		}
	}
	if p.Record != nil && p.Record.Mobile != "" {
		add(regulation.CodeSendPerPhone, p.Record.Mobile, "")
	}
	if p.Login != "" {
		add(regulation.LoginPerAccount, strings.ToUpper(p.Login), "")
		for _, ip := range ips {
			add(regulation.LoginPerAccountIP, regulation.PairKey(strings.ToUpper(p.Login), ip), ip)
		}
	}
	return out
}

func (c *Console) caseView(w http.ResponseWriter, r *http.Request, m *member) {
	c.showCase(w, r, m, r.URL.Query().Get("student"), r.URL.Query().Get("login"), false, r.URL.Query().Get("done"))
}

func (c *Console) showCase(w http.ResponseWriter, r *http.Request, m *member, studentID, login string, reveal bool, done string) {
	ctx := r.Context()
	p, err := c.loadCase(ctx, studentID, login)
	if errors.Is(err, directory.ErrNotFound) {
		c.render(w, r, m, http.StatusNotFound, "admin_home", "admin.home.title",
			view{Current: "home", Page: homePage{Query: studentID + login, Searched: true, Durable: c.d.Trail.Durable()}})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if reveal && p.Record != nil {
		p.Email, p.Mobile, p.Revealed = p.Record.Email, p.Record.Mobile, true
	}
	if done != "" && strings.HasPrefix(done, "admin.case.done.") {
		p.Done = done
	}
	if !reveal && done == "" {
		_ = c.record(ctx, m, audit.Event{Kind: audit.KindLookup, Student: p.StudentID, Login: p.Login})
	}
	c.render(w, r, m, http.StatusOK, "admin_case", "admin.case.title", view{Current: "home", Page: p})
}

// act runs one action on a case. Each asks for a reason and is audited
// before the answer, whatever its outcome.
func (c *Console) act(w http.ResponseWriter, r *http.Request, m *member) {
	ctx := r.Context()
	action := r.PathValue("action")
	studentID, login := r.PostFormValue("student"), r.PostFormValue("login")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	p, err := c.loadCase(ctx, studentID, login)
	if errors.Is(err, directory.ErrNotFound) {
		c.message(w, r, http.StatusNotFound, "admin.notfound")
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if reason == "" || len(reason) > 300 {
		c.render(w, r, m, http.StatusUnprocessableEntity, "admin_case", "admin.case.title",
			view{Current: "home", Page: p, Error: m.tr.T("admin.case.reason_required")})
		return
	}
	ev := audit.Event{Student: p.StudentID, Login: p.Login, Reason: reason}
	var doErr error
	switch action {
	case "reveal":
		ev.Kind = audit.KindReveal
		if err := c.record(ctx, m, ev); err != nil {
			c.fail(w, r, err) // no reveal goes unrecorded
			return
		}
		c.showCase(w, r, m, p.StudentID, p.Login, true, "")
		return
	case "unblock":
		ev.Kind = audit.KindUnblock
		var lifted []string
		for _, b := range p.Blocks {
			lifted = append(lifted, string(b.Rule))
		}
		for _, t := range c.targets(p) {
			if err := c.d.Limits.Reset(ctx, t.Rule, t.Key); err != nil {
				doErr = err
			}
		}
		if lk, ok := c.d.Accounts.(Lockouts); ok && p.Account != nil && doErr == nil {
			if p.Lockout != nil && !p.Lockout.LockedAt.IsZero() {
				lifted = append(lifted, "directory_lockout")
			}
			doErr = lk.Unlock(ctx, p.Login)
		}
		ev.Detail = strings.Join(lifted, ",")
	case "sessions":
		ev.Kind = audit.KindEndSessions
		if p.Account == nil {
			break
		}
		n, g, err := c.d.Ender.EndSessionsOf(ctx, p.Login, p.Account.Subject)
		doErr = err
		ev.Detail = fmt.Sprintf("sessions=%d,grants=%d", n, g)
	case "resend":
		ev.Kind = audit.KindResend
		if c.d.SendCode == nil || p.Record == nil {
			ev.Outcome = "refused"
			_ = c.record(ctx, m, ev)
			c.render(w, r, m, http.StatusUnprocessableEntity, "admin_case", "admin.case.title",
				view{Current: "home", Page: p, Error: m.tr.T("admin.case.resend_impossible")})
			return
		}
		lang := r.PostFormValue("student_lang")
		if lang != "en" {
			lang = "fr"
		}
		sms, mail, err := c.d.SendCode(ctx, p.StudentID, lang)
		doErr = err
		ev.Detail = strings.TrimSpace("sms " + sms + "; mail " + mail)
	case "reset":
		// The mail goes to the e-mail on record, never one typed by
		// staff; the student still proves a contact on record with the
		// reset flow's code.
		ev.Kind = audit.KindStartReset
		to := ""
		if p.Record != nil {
			to = p.Record.Email
		}
		if to == "" && p.Account != nil {
			to = p.Account.Email
		}
		if c.d.SendMail == nil || p.Account == nil || to == "" {
			ev.Outcome = "refused"
			_ = c.record(ctx, m, ev)
			c.render(w, r, m, http.StatusUnprocessableEntity, "admin_case", "admin.case.title",
				view{Current: "home", Page: p, Error: m.tr.T("admin.case.reset_impossible")})
			return
		}
		first := ""
		if p.Record != nil {
			first = p.Record.FirstName
		}
		mail, err := c.d.Theme.RenderMail("reset", m.lang, map[string]any{"FirstName": first, "Login": p.Login, "URL": c.d.ResetURL})
		if err == nil {
			err = c.d.SendMail(ctx, to, mail)
		}
		doErr = err
		ev.Detail = "mail " + mask.Email(to)
	default:
		c.message(w, r, http.StatusNotFound, "admin.notfound")
		return
	}
	if doErr != nil {
		ev.Outcome = "failed"
	}
	if err := c.record(ctx, m, ev); err != nil && doErr == nil {
		doErr = err
	}
	if doErr != nil {
		c.fail(w, r, doErr)
		return
	}
	http.Redirect(w, r, c.caseURL(p.StudentID, p.Login)+"&done=admin.case.done."+action, http.StatusSeeOther)
}
