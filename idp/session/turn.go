package session

import (
	"context"
	"errors"
	"strings"

	"github.com/seuil-idp/seuil/idp/regulation"
)

// turn takes the address's and the account's turns (regulation.Turn)
// between the limit check and the failure count; ok is false when they
// did not come in time (or Redis failed), and the attempt is then
// refused as limited. Without limits there is nothing to protect and
// every attempt goes at once.
//
// An account has one attempt in flight at a time. An address has as
// many as it may still fail (login_per_ip's remaining budget): parallel
// guesses cannot pass the limit, since no more attempts are in flight
// than failures left, while honest students behind one campus NAT go
// side by side instead of four at a time (20 at once with the shipped
// burst). An address at the end of its budget waits for a turn or is
// refused, as the limit would refuse it anyway.
//
// The budget is read again once the turns are held, since it may have
// shrunk while this attempt waited; that read is also the address's
// limit check (ipChecked), which the caller does not repeat.
func (l *Login) turn(ctx context.Context, ip, login string) (release func(), ipChecked, ok bool) {
	if l.lim == nil {
		return func() {}, false, true
	}
	for range 4 {
		slots := l.ipBudget(ctx, ip)
		release, err := l.lim.Turn(ctx,
			regulation.Hold{Key: "login:ip:" + regulation.IPKey(ip), Slots: slots},
			regulation.Hold{Key: "login:account:" + strings.ToUpper(login), Slots: 1})
		if err != nil {
			if !errors.Is(err, regulation.ErrLimited) {
				l.log.ErrorContext(ctx, "sign-in turn", "err", err)
			} else {
				l.log.InfoContext(ctx, "sign-in refused: no turn in time", "login", login, "ip", ip, "slots", slots)
			}
			return nil, false, false
		}
		d, err := l.lim.Check(ctx, regulation.LoginPerIP, regulation.IPKey(ip))
		switch {
		case err != nil:
			// The address has no failure left (the limit refuses),
			// or its budget cannot be read (refused, as every limit
			// check that fails).
			if !errors.Is(err, regulation.ErrLimited) {
				l.log.ErrorContext(ctx, "sign-in limits", "err", err)
			} else {
				l.log.InfoContext(ctx, "sign-in refused: the address's limit", "login", login, "ip", ip)
			}
			release()
			return nil, false, false
		case max(d.Remaining, 1) >= slots:
			return release, true, true
		}
		// Holding a slot counted against the older, larger budget
		// would let one attempt too many through: take a turn again.
		release()
	}
	l.log.InfoContext(ctx, "sign-in refused: the address's budget kept shrinking", "login", login, "ip", ip)
	return nil, false, false
}

// ipBudget is how many attempts the address may have in flight: the
// failures it may still make.
func (l *Login) ipBudget(ctx context.Context, ip string) int {
	d, err := l.lim.Check(ctx, regulation.LoginPerIP, regulation.IPKey(ip))
	if err != nil {
		return fallbackSlots // the budget unread: a few at a time, as before
	}
	return max(d.Remaining, 1)
}

// fallbackSlots is the address's turns when its budget cannot be read.
const fallbackSlots = 4
