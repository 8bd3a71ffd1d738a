package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// GuardConfig bounds where SMS go and how many: SMS pumping (codes sent
// to premium-rate or satellite numbers someone put on record) costs the
// university real money. It is the "sms" section's own settings.
type GuardConfig struct {
	// Countries lists the ISO regions SMS may go to (FR, GP, BE...);
	// default: France, its overseas departments and territories, and the
	// EU. A number elsewhere gets its code by e-mail only.
	Countries []string `yaml:"countries"`
	// DailyBudget caps the SMS sent per day (UTC) by every replica
	// together; 0: no cap. Once reached, codes go by e-mail only.
	DailyBudget int `yaml:"daily_budget"`
}

// DefaultCountries: France (metropolitan, DROM and COM) and the EU.
var DefaultCountries = []string{
	"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC",
	"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "DE", "GR", "HU", "IE", "IT",
	"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
}

// Validate checks the region codes.
func (c GuardConfig) Validate() error {
	var errs []error
	for i, r := range c.Countries {
		if phonenumbers.GetCountryCodeForRegion(r) == 0 {
			errs = append(errs, fmt.Errorf("countries[%d]: %q is not a region code like FR or BE", i, r))
		}
	}
	if c.DailyBudget < 0 {
		errs = append(errs, fmt.Errorf("daily_budget: %d: must be 0 (no cap) or more", c.DailyBudget))
	}
	return errors.Join(errs...)
}

// Errors of a guarded sender: the SMS was not sent, on purpose.
var (
	ErrCountryRefused = errors.New("notify: sms to this country refused")
	ErrBudgetSpent    = errors.New("notify: daily sms budget spent")
)

// DayCounter counts events per key across replicas (state.Store).
type DayCounter interface {
	Incr(ctx context.Context, key string, ttl time.Duration) (int64, error)
}

// GuardEvents reports what a guard did, for metrics (each may be nil).
type GuardEvents struct {
	Refused func(reason string) // "country" or "budget"
	Counted func(day int64, budget int)
}

// Guard wraps next so that only SMS to allowed countries, within the
// daily budget, are sent. counter may be nil when there is no budget.
func Guard(next SMSSender, cfg GuardConfig, counter DayCounter, log *slog.Logger, ev GuardEvents) SMSSender {
	countries := cfg.Countries
	if len(countries) == 0 {
		countries = DefaultCountries
	}
	g := &guard{next: next, budget: cfg.DailyBudget, counter: counter, log: log, ev: ev, now: time.Now}
	for _, c := range countries {
		g.countries = append(g.countries, strings.ToUpper(c))
	}
	return g
}

type guard struct {
	next      SMSSender
	countries []string
	budget    int
	counter   DayCounter
	log       *slog.Logger
	ev        GuardEvents
	now       func() time.Time
}

func (g *guard) SendSMS(ctx context.Context, m SMS) error {
	n, err := phonenumbers.Parse(m.To, "")
	if err != nil || !slices.Contains(g.countries, phonenumbers.GetRegionCodeForNumber(n)) {
		g.refused(ctx, "country")
		return ErrCountryRefused
	}
	if g.budget > 0 && g.counter != nil {
		day := g.now().UTC().Format("2006-01-02")
		sent, err := g.counter.Incr(ctx, "sms:day:"+day, 48*time.Hour)
		if err != nil {
			return fmt.Errorf("notify: sms budget: %w", err)
		}
		if g.ev.Counted != nil {
			g.ev.Counted(sent, g.budget)
		}
		switch {
		case sent > int64(g.budget):
			if sent == int64(g.budget)+1 {
				g.log.ErrorContext(ctx, "sms daily budget spent: codes go by e-mail only until midnight UTC",
					"budget", g.budget)
			}
			g.refused(ctx, "budget")
			return ErrBudgetSpent
		case sent == int64(g.budget)*8/10:
			g.log.WarnContext(ctx, "sms daily budget 80 % spent", "budget", g.budget)
		}
	}
	return g.next.SendSMS(ctx, m)
}

func (g *guard) refused(ctx context.Context, reason string) {
	if g.ev.Refused != nil {
		g.ev.Refused(reason)
	}
	g.log.InfoContext(ctx, "sms not sent", "reason", reason)
}
