package session

import (
	"context"
	"errors"
	"strings"

	"github.com/seuil-idp/seuil/idp/regulation"
)

// admit decides whether a sign-in attempt may go on to the password
// check: it takes the address's and the account's turns
// (regulation.Turn), then reads the three limits the attempt counts
// against (targets) in one round trip. ok is false when the turns did not
// come in time, a limit refuses, or Redis failed: the attempt is then
// refused as limited (sign-in without limits would open the door to
// guessing). release gives the turns back once the failure, if any, is
// counted. Without limits there is nothing to protect and every attempt
// goes at once.
//
// An account has one attempt in flight at a time. An address has as
// many as it may still fail (login_per_ip's remaining budget): parallel
// guesses cannot pass the limit, since no more attempts are in flight
// than failures left, while honest students behind one campus NAT go
// side by side instead of a few at a time (20 at once with the shipped
// burst). An address at the end of its budget waits for a turn or is
// refused, as the limit would refuse it anyway.
//
// The budget is not read before the turn: an address asks for its whole
// burst, and the limits read with the turns held say whether it came
// within what it had left, i.e. whether no more attempts held the
// address's turn, its own included, than the address may still fail. If
// not, it gives its turns back and asks again for what is left, so an
// address that failed lately pays a round trip or two more and one that
// did not pays nothing.
func (l *Login) admit(ctx context.Context, ip, login string) (release func(), ok bool) {
	if l.lim == nil {
		return func() {}, true
	}
	slots := fallbackSlots
	if lim, ok := l.lim.Limit(regulation.LoginPerIP); ok {
		slots = max(lim.Burst, 1)
	}
	for range 4 {
		// The limits are read once the turns are held, in the same
		// round trip on one Redis server.
		release, held, ds, checkErr, err := l.lim.TurnsChecked(ctx, targets(ip, login),
			regulation.Hold{Key: "login:ip:" + regulation.IPKey(ip), Slots: slots},
			regulation.Hold{Key: "login:account:" + strings.ToUpper(login), Slots: 1})
		if err != nil {
			if !errors.Is(err, regulation.ErrLimited) {
				l.log.ErrorContext(ctx, "sign-in turn", "err", err)
			} else {
				l.log.InfoContext(ctx, "sign-in refused: no turn in time", "login", login, "ip", ip, "slots", slots)
			}
			return nil, false
		}
		switch {
		case errors.Is(checkErr, regulation.ErrLimited):
			l.log.InfoContext(ctx, "sign-in refused: limited", "login", login, "ip", ip, "err", checkErr.Error())
		case checkErr != nil:
			l.log.ErrorContext(ctx, "sign-in limits", "err", checkErr)
		case ds[0].Remaining >= held[0]:
			return release, true
		}
		release()
		if checkErr != nil {
			return nil, false
		}
		// ≥ 1: the address's limit allowed one more. With that many
		// slots, a take comes within them.
		slots = ds[0].Remaining
	}
	l.log.InfoContext(ctx, "sign-in refused: the address's budget kept shrinking", "login", login, "ip", ip)
	return nil, false
}

// fallbackSlots is the address's turns when its limit is not known.
const fallbackSlots = 4
