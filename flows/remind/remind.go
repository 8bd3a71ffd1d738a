// Package remind tells students, by e-mail, that their password is about
// to expire: 30 days before, then 7, with a link that starts the change
// of password, so that a password which lasts a year does not lapse in
// the middle of exams. It runs as a daily batch (seuil remind, a CronJob
// in the Helm chart) and is idempotent: each reminder is claimed in the
// state store before it is sent, so a second run the same day, or two
// runs at once, send nothing more.
package remind

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/themes"
)

// Directory lists the accounts whose password expires soon
// (*ldapdir.Dir).
type Directory interface {
	Expiring(ctx context.Context, now time.Time, within time.Duration) ([]directory.Account, error)
}

// Claims records the reminders sent (*state.Store): PutNew stores a key
// only if it is new.
type Claims interface {
	PutNew(ctx context.Context, key string, v any, ttl time.Duration) (bool, error)
	Delete(ctx context.Context, keys ...string) error
}

// Tiers are the reminders, furthest first: 30 and 7 days before expiry.
var Tiers = []time.Duration{30 * 24 * time.Hour, 7 * 24 * time.Hour}

// Options configure a run.
type Options struct {
	Directory Directory
	Claims    Claims
	Mail      notify.Mailer
	Theme     *themes.Theme
	// Lang is the language of the mails: the directory holds no
	// preference of the student's, so the university's (default fr).
	Lang string
	// ChangeURL starts the change of password (the reset flow's URL).
	ChangeURL string
	DryRun    bool // list who is due, send nothing, claim nothing
	Now       func() time.Time
	Logger    *slog.Logger
}

// Summary counts a run's reminders.
type Summary struct {
	Due, Sent, Already, NoEmail, Failed int
}

func (s Summary) String() string {
	return fmt.Sprintf("remind: %d due, %d sent, %d already sent, %d without e-mail, %d failed",
		s.Due, s.Sent, s.Already, s.NoEmail, s.Failed)
}

// Run sends the reminders due now. An account gets the reminder of the
// nearest tier it has reached (7 days left: the 7-day one, even if the
// 30-day one was never sent, so a job that did not run for a while sends
// one mail, not two). A failed send gives its claim back, for the next
// run; the error names how many failed.
func Run(ctx context.Context, o Options) (Summary, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lang == "" {
		o.Lang = "fr"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	now := o.Now()
	due, err := o.Directory.Expiring(ctx, now, Tiers[0])
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	tr := o.Theme.Translator(o.Lang)
	for _, acc := range due {
		left := acc.PasswordExpiresAt.Sub(now)
		tier := Tiers[0]
		for _, t := range Tiers {
			if left <= t {
				tier = t
			}
		}
		sum.Due++
		if acc.Email == "" {
			sum.NoEmail++
			o.Logger.WarnContext(ctx, "remind: no e-mail on record", "login", acc.Login)
			continue
		}
		if o.DryRun {
			o.Logger.InfoContext(ctx, "remind: due", "login", acc.Login, "expires", acc.PasswordExpiresAt, "tier_days", days(tier))
			continue
		}
		// One key per password (its expiry) and tier: a new password
		// makes new reminders; the key lives until the expiry.
		key := "remind:" + acc.Login + ":" + strconv.FormatInt(acc.PasswordExpiresAt.Unix(), 10) + ":" + strconv.Itoa(days(tier))
		fresh, err := o.Claims.PutNew(ctx, key, now.Unix(), left+24*time.Hour)
		if err != nil {
			return sum, fmt.Errorf("remind: %w", err)
		}
		if !fresh {
			sum.Already++
			continue
		}
		if err := o.send(ctx, tr, acc, left); err != nil {
			sum.Failed++
			o.Logger.ErrorContext(ctx, "remind: send failed", "login", acc.Login, "err", err)
			if derr := o.Claims.Delete(ctx, key); derr != nil {
				return sum, fmt.Errorf("remind: give back the claim of %s: %w", acc.Login, derr)
			}
			continue
		}
		sum.Sent++
		o.Logger.InfoContext(ctx, "remind: sent", "login", acc.Login, "tier_days", days(tier))
	}
	if sum.Failed > 0 {
		return sum, fmt.Errorf("remind: %d reminders could not be sent (they are tried again at the next run)", sum.Failed)
	}
	return sum, nil
}

// Data is what the mail_remind templates receive.
type Data struct {
	FirstName, Login, Date, URL string
	Days                        int
}

func (o Options) send(ctx context.Context, tr themes.Translator, acc directory.Account, left time.Duration) error {
	d := Data{FirstName: acc.FirstName, Login: acc.Login, Date: tr.Date(acc.PasswordExpiresAt), URL: o.ChangeURL,
		Days: int((left + 24*time.Hour - 1) / (24 * time.Hour))}
	m, err := o.Theme.RenderMailWith("remind", tr, d, d.Days)
	if err != nil {
		return err
	}
	if err := o.Mail.SendMail(ctx, notify.Mail{To: acc.Email, Subject: m.Subject, Text: m.Text, HTML: m.HTML}); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return nil
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }
