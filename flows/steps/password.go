package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/flows/password"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/students"
)

// MaxPasswordAge is the longest password lifetime a definition may set
// (the university's security policy: one year).
const MaxPasswordAge = 365 * 24 * time.Hour

// PasswordParams are the password step's definition parameters.
type PasswordParams struct {
	Policy password.Policy `yaml:"policy"`
	MaxAge flow.Duration   `yaml:"max_age"`
}

// Password lets the student choose a password, checks it against the
// policy (the server is the only judge; the page's live checklist only
// mirrors this), and sets it in the directory.
type Password struct {
	path   string // the step's place in its definition, for messages
	policy password.Policy
	// maxAge is the definition's max_age; 0: the directory's pwdMaxAge,
	// which is what expires the password.
	maxAge time.Duration
	svc    *flow.Services
}

// NewPassword builds the password step and checks it against the
// directory's own policy: a setting the directory would contradict (a
// lifetime the screen states but the directory does not apply, a
// history it keeps none of, a minimum below its own) is refused, naming
// both values.
func NewPassword(p flow.Params, s *flow.Services) (flow.Step, error) {
	prm := PasswordParams{Policy: password.DefaultPolicy()}
	if err := p.Decode(&prm); err != nil {
		return nil, err
	}
	if err := prm.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("%s.policy: %w", p.Path, err)
	}
	if prm.MaxAge != 0 && (prm.MaxAge.D() < 24*time.Hour || prm.MaxAge.D() > MaxPasswordAge) {
		return nil, fmt.Errorf("%s.max_age: %s is not between 1d and 365d", p.Path, prm.MaxAge)
	}
	st := &Password{path: p.Path, policy: prm.Policy, maxAge: prm.MaxAge.D(), svc: s}
	if s != nil {
		if err := st.agrees(s.Policy); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// agrees reports every contradiction between the step and the directory.
func (s *Password) agrees(dir directory.Policy) error {
	if dir.Source == "" {
		return nil // a directory that says nothing of its policy
	}
	var errs []error
	if s.maxAge != 0 && s.maxAge != dir.MaxAge {
		errs = append(errs, fmt.Errorf("%s.max_age: %s, but the directory's policy (%s) sets pwdMaxAge to %s: passwords would not expire when the screen says; remove max_age, the screen then states the directory's",
			s.path, flow.Duration(s.maxAge), dir.Source, policyAge(dir.MaxAge)))
	}
	if s.policy.History && dir.InHistory == 0 {
		errs = append(errs, fmt.Errorf("%s.policy.history: true, but the directory's policy (%s) keeps no previous password (pwdInHistory 0): set pwdInHistory, or history: false",
			s.path, dir.Source))
	}
	if dir.MinLength > s.policy.MinLength {
		errs = append(errs, fmt.Errorf("%s.policy.min_length: %d, below the directory's pwdMinLength %d (%s): the directory would refuse passwords the screen accepts",
			s.path, s.policy.MinLength, dir.MinLength, dir.Source))
	}
	return errors.Join(errs...)
}

func policyAge(d time.Duration) string {
	if d == 0 {
		return "0 (never)"
	}
	return flow.Duration(d).String()
}

// lifetime is the password's lifetime as the screen states it: the
// definition's, else the directory's (0 when the directory says its
// passwords never expire: the screen then states no expiry), else a
// year, the university's rule, when the directory says nothing.
func (s *Password) lifetime() time.Duration {
	switch {
	case s.maxAge != 0:
		return s.maxAge
	case s.svc != nil && s.svc.Policy.Source != "":
		return s.svc.Policy.MaxAge
	}
	return MaxPasswordAge
}

// Name implements flow.Step.
func (s *Password) Name() string { return "password" }

// RuleLine is one line of the checklist.
type RuleLine struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	OK   bool   `json:"ok"`
	// State is what the page shows: "ok", "ko", or "" before any
	// password was judged (and always for the history rule, which only
	// the directory can tell).
	State string `json:"state"`
}

// PasswordData is the password page's data.
type PasswordData struct {
	Rules         []RuleLine
	MaxAgeDays    int
	AlreadyActive bool
	Login         string
	MinLength     int
	// ExpiredOn is the date the account's password expired, when it has
	// (the expired flow): the page says so first.
	ExpiredOn string
}

// Show implements flow.Step.
func (s *Password) Show(ctx context.Context, f *flow.Flow, x *flow.Exchange) (string, any) {
	// After a refused submit the checklist shows each rule's result, so
	// that it says what to fix without JavaScript too.
	res, judged := password.Result{}, false
	if x.R != nil && x.R.Method == http.MethodPost {
		if pw := x.R.PostForm.Get("password"); pw != "" {
			res, judged = s.policy.Check(pw, s.context(ctx, f)), true
		}
	}
	return "password", PasswordData{Rules: s.lines(res, x, judged),
		MaxAgeDays: int(s.lifetime() / (24 * time.Hour)), AlreadyActive: f.AlreadyActive,
		Login: f.AccountLogin(), MinLength: s.policy.MinLength, ExpiredOn: s.expiredOn(ctx, f, x)}
}

// expiredOn is the date the flow's account password expired, in the
// page's language, or "" (not expired, unknown, or no account yet).
func (s *Password) expiredOn(ctx context.Context, f *flow.Flow, x *flow.Exchange) string {
	if !f.SampleExpiredOn.IsZero() {
		return x.T.Date(f.SampleExpiredOn)
	}
	if f.Login == "" || s.svc == nil || s.svc.Directory == nil {
		return ""
	}
	acct, err := s.svc.Directory.FindByLogin(ctx, f.Login)
	if err != nil || acct.PasswordExpiresAt.IsZero() || acct.PasswordExpiresAt.After(s.svc.Now()) {
		return ""
	}
	return x.T.Date(acct.PasswordExpiresAt)
}

// lines renders the checklist; judged tells whether OK is meaningful.
func (s *Password) lines(res password.Result, x *flow.Exchange, judged bool) []RuleLine {
	var out []RuleLine
	for _, r := range s.policy.Rules() {
		l := RuleLine{ID: string(r), Text: RuleText(x, r, s.policy), OK: judged && !res.Fails(r)}
		switch {
		case !judged || r == password.RuleHistory:
		case l.OK:
			l.State = "ok"
		default:
			l.State = "ko"
		}
		out = append(out, l)
	}
	return out
}

// RuleText is a rule's checklist line in the student's language.
func RuleText(x *flow.Exchange, r password.Rule, p password.Policy) string {
	switch r {
	case password.RuleLength:
		return x.T.T("password.rule.length", p.MinLength)
	case password.RuleStrength:
		return x.T.T("password.rule.strength", p.MinScore)
	}
	return x.T.T("password.rule." + string(r))
}

// Submit checks the password and its confirmation and sets it.
func (s *Password) Submit(ctx context.Context, f *flow.Flow, x *flow.Exchange) (flow.Outcome, error) {
	if len(f.AMR) == 0 {
		return flow.Stay, flow.ErrMismatch // not proven: the runner's order makes this unreachable
	}
	if f.PasswordSet {
		// Set already; only entering done failed (e.g. the session
		// store). Setting it again would now hit the history rule.
		return flow.Next, nil
	}
	pw, confirm := x.Form.Get("password"), x.Form.Get("confirm")
	res := s.policy.Check(pw, s.context(ctx, f))
	var errs flow.FieldErrors
	for _, fl := range res.Failed {
		errs.Add("password", "password.failed."+string(fl.Rule), failureArgs(x, fl)...)
	}
	// Both at once: a student should not need a second round to learn
	// that the confirmation differs too.
	if pw != confirm {
		errs.Add("confirm", "password.confirm.mismatch")
	}
	if len(errs) > 0 {
		return flow.Stay, errs
	}
	if f.Matched {
		rec, err := record(ctx, s.svc, f)
		if err != nil {
			return flow.Stay, err
		}
		if _, err := s.svc.Directory.Ensure(ctx, *rec, f.AccountLogin()); err != nil {
			return flow.Stay, fmt.Errorf("password: ensure account: %w", err)
		}
	}
	login := f.AccountLogin()
	err := s.svc.Directory.SetPassword(ctx, login, pw)
	if errors.Is(err, directory.ErrPasswordInHistory) && s.setByThisFlow(ctx, f, login, pw) {
		err = nil
	}
	switch {
	case errors.Is(err, directory.ErrPasswordInHistory):
		errs.Add("password", "password.failed.history")
		return flow.Stay, errs
	case errors.Is(err, directory.ErrPasswordQuality):
		errs.Add("password", "password.failed.directory")
		return flow.Stay, errs
	case errors.Is(err, directory.ErrLocked):
		return flow.Stay, flow.ErrAccountLocked
	case err != nil:
		return flow.Stay, fmt.Errorf("password: set: %w", err)
	}
	f.Login, f.PasswordSet = login, true
	f.AMR = appendOnce(f.AMR, "pwd")
	s.svc.Logger.InfoContext(ctx, "password set", "flow", f.Name, "login", login, "reset", f.AlreadyActive)
	if f.AlreadyActive {
		s.endOtherSessions(ctx, login)
	}
	return flow.Next, nil
}

// endOtherSessions signs the account out everywhere once its password
// changed: the done step then starts this browser's session anew. The
// password is set already, so a failure here is logged, not shown: the
// student could not act on it, and the sessions still end at their
// idle or absolute timeout.
func (s *Password) endOtherSessions(ctx context.Context, login string) {
	if s.svc.Ender == nil {
		return
	}
	subject := ""
	if acct, err := s.svc.Directory.FindByLogin(ctx, login); err == nil {
		subject = acct.Subject
	}
	n, g, err := s.svc.Ender.EndSessionsOf(ctx, login, subject)
	if err != nil {
		s.svc.Logger.WarnContext(ctx, "password changed, other sessions not all ended", "login", login, "sessions", n, "err", err)
		return
	}
	if n+g > 0 {
		s.svc.Logger.InfoContext(ctx, "password changed, other sessions ended", "login", login, "sessions", n, "grants", g)
	}
}

// setByThisFlow tells whether pw is the password this flow set already:
// a retry after the directory took the password but its answer, or the
// flow's write after it, was lost (a timeout, a store outage). The
// history rule must not refuse the student's own choice then. It is only
// this flow's if the password changed since the student proved who they
// are here, and pw is the current one; the bind runs only then, so that
// a password from the history never counts as a failed sign-in.
func (s *Password) setByThisFlow(ctx context.Context, f *flow.Flow, login, pw string) bool {
	if f.ProvedAt.IsZero() {
		return false
	}
	acct, err := s.svc.Directory.FindByLogin(ctx, login)
	if err != nil || !changedSince(acct.PasswordChangedAt, f.ProvedAt) {
		return false
	}
	_, err = s.svc.Directory.Authenticate(ctx, login, pw)
	if err != nil {
		return false
	}
	s.svc.Logger.InfoContext(ctx, "password already set by this flow", "flow", f.Name, "login", login)
	return true
}

// changedSince compares a directory's timestamp with a time of ours.
// OpenLDAP keeps whole seconds (pwdChangedTime): only a change in a later
// second than the proof counts, since a change within that second may
// have come before it (another flow of the same student). A person takes
// longer than a second from the code to a chosen password, so this only
// refuses what no student does.
func changedSince(changed, proved time.Time) bool {
	if changed.Nanosecond() == 0 {
		return changed.After(proved.Truncate(time.Second))
	}
	return changed.After(proved)
}

// failureArgs translates a failure's arguments where they are words.
func failureArgs(x *flow.Exchange, fl password.Failure) []any {
	if fl.Rule != password.RulePersonal {
		return fl.Args
	}
	kinds := ""
	for i, a := range fl.Args {
		if i > 0 {
			kinds += ", "
		}
		kinds += x.T.T(fmt.Sprint("password.personal.", a))
	}
	return []any{kinds}
}

// context gives the policy the student's own data to refuse.
func (s *Password) context(ctx context.Context, f *flow.Flow) password.Context {
	// Not matched, or an unreadable source, leaves the directory's copy.
	rec, _ := record(ctx, s.svc, f)
	if rec == nil && f.Login != "" {
		if acct, err := s.svc.Directory.FindByLogin(ctx, f.Login); err == nil {
			rec = &students.Record{StudentID: acct.StudentID, INE: acct.INE,
				FirstName: acct.FirstName, LastName: acct.LastName}
		}
	}
	if rec == nil {
		return password.Context{}
	}
	return password.Context{StudentID: rec.StudentID, INE: rec.INE, FirstName: rec.FirstName,
		LastName: rec.LastName, BirthDate: rec.BirthDate}
}

// CheckResult is the JSON answer of the live checklist.
type CheckResult struct {
	Rules []RuleLine `json:"rules"`
	Score int        `json:"score"`
	Label string     `json:"label"`
}

// Check judges a password for the live checklist (never stored or logged).
func (s *Password) Check(ctx context.Context, f *flow.Flow, x *flow.Exchange) (any, error) {
	res := s.policy.Check(x.Form.Get("password"), s.context(ctx, f))
	lines := s.lines(res, x, true)
	for i := range lines {
		if lines[i].ID == string(password.RuleHistory) {
			lines[i].OK = false // only the directory can tell; never ticked
		}
	}
	return CheckResult{Rules: lines, Score: res.Score, Label: x.T.T(fmt.Sprint("password.score.", res.Score))}, nil
}

// Rewind forgets that a password was set in this flow, so that going back
// and proving another identity never skips this step.
func (s *Password) Rewind(f *flow.Flow) {
	f.PasswordSet = false
}
