package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/mask"
)

// DoneParams are the done step's definition parameters.
type DoneParams struct {
	Login       string `yaml:"login"`        // login pattern, e.g. "{student_id}T"
	Client      string `yaml:"client"`       // relying party whose landing page to offer
	ContinueURL string `yaml:"continue_url"` // fallback target of the button
}

// Done confirms the password, shows the login, mails a confirmation,
// starts the SSO session and offers the way on to the relying party.
type Done struct {
	prm DoneParams
	svc *flow.Services
}

// NewDone builds the done step.
func NewDone(p flow.Params, s *flow.Services) (flow.Step, error) {
	// The deployment's pattern (sync.login_pattern) unless the
	// definition sets its own, which serve checks against it.
	prm := DoneParams{Login: directory.CanonicalLoginPattern(s.LoginPattern)}
	if err := p.Decode(&prm); err != nil {
		return nil, err
	}
	prm.Login = directory.CanonicalLoginPattern(prm.Login)
	if !strings.Contains(prm.Login, directory.PlaceholderStudentID) && !strings.Contains(prm.Login, directory.PlaceholderINE) {
		return nil, fmt.Errorf("%s.login: %q uses neither {student_id} nor {ine}", p.Path, prm.Login)
	}
	if prm.ContinueURL != "" {
		u, err := url.Parse(prm.ContinueURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http" && !isLocalPath(prm.ContinueURL)) {
			return nil, fmt.Errorf("%s.continue_url: %q is not an http(s) URL or a local path", p.Path, prm.ContinueURL)
		}
	}
	return &Done{prm: prm, svc: s}, nil
}

// Name implements flow.Step.
func (d *Done) Name() string { return "done" }

// LoginPattern implements flow.LoginPatterner.
func (d *Done) LoginPattern() string { return d.prm.Login }

// DoneData is the done page's data.
type DoneData struct {
	Login         string
	Landing       string
	MailTo        string
	AlreadyActive bool
	// Register is the passkey registration's URL when the student is
	// signed in and passkeys are on: the screen offers to create one.
	Register string
}

// Show implements flow.Step.
func (d *Done) Show(_ context.Context, f *flow.Flow, _ *flow.Exchange) (string, any) {
	data := DoneData{Login: f.Login, Landing: f.Landing, MailTo: f.Confirmed, AlreadyActive: f.AlreadyActive}
	if d.svc != nil && d.svc.Passkeys != "" && d.svc.Sessions != nil {
		data.Register = d.svc.Passkeys + "/register"
	}
	return "done", data
}

// Submit implements flow.Step: the last screen has no form.
func (d *Done) Submit(context.Context, *flow.Flow, *flow.Exchange) (flow.Outcome, error) {
	return flow.Stay, nil
}

// Enter starts the SSO session, picks the button's target and mails a
// confirmation. Only the session is essential; a failed mail is logged.
func (d *Done) Enter(ctx context.Context, f *flow.Flow, x *flow.Exchange) error {
	if !f.PasswordSet {
		return fmt.Errorf("done: entered without a password set")
	}
	acct, err := d.svc.Directory.FindByLogin(ctx, f.Login)
	if err != nil {
		return fmt.Errorf("done: account: %w", err)
	}
	if d.svc.Sessions != nil {
		if err := d.svc.Sessions.StartSession(audit.ForFlow(ctx, f.Name), x.W, x.R, acct, f.AMR); err != nil {
			return fmt.Errorf("done: session: %w", err)
		}
	}
	f.Landing = d.landing(ctx, f)
	f.Done = true
	if email := acct.Email; email != "" {
		m, err := x.Theme.RenderMail("done", x.T.Lang, map[string]any{"Login": f.Login, "FirstName": acct.FirstName})
		if err == nil {
			err = d.svc.Mail.SendMail(ctx, notify.Mail{To: email, Subject: m.Subject, Text: m.Text, HTML: m.HTML})
		}
		if err != nil && !errors.Is(err, notify.ErrDeferred) { // still being sent counts as sent
			d.svc.Logger.ErrorContext(ctx, "confirmation mail failed", "flow", f.Name, "err", err)
		} else {
			f.Confirmed = mask.Email(email)
		}
	}
	d.svc.Logger.InfoContext(ctx, "flow done", "flow", f.Name, "login", f.Login, "landing", f.Landing != "")
	return nil
}

// landing: the pending authorization first (prompt=create), then the
// definition's relying party, then its fixed URL.
func (d *Done) landing(ctx context.Context, f *flow.Flow) string {
	if f.Continue != "" && isLocalPath(f.Continue) {
		return f.Continue
	}
	client := d.prm.Client
	if f.ClientID != "" {
		client = f.ClientID
	}
	if client != "" && d.svc.Landing != nil {
		u, err := d.svc.Landing.LandingURL(ctx, client, f.Login)
		if err == nil && u != "" {
			return u
		}
		if err != nil {
			d.svc.Logger.WarnContext(ctx, "landing url", "client", client, "err", err)
		}
	}
	return d.prm.ContinueURL
}

// isLocalPath accepts "/x" but not "//host" or "/\host", which browsers
// read as another origin.
func isLocalPath(s string) bool {
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, "/\\")
}
