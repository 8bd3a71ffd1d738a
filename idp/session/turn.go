package session

import (
	"context"
	"errors"
	"strings"

	"github.com/seuil-idp/seuil/idp/regulation"
)

// ipSlots is how many sign-in attempts of one address may be between the
// limit check and the failure count at once (an enrolment room or eduroam
// shares one address); the per-IP limit may thus be passed by at most
// ipSlots-1 attempts. An account has one attempt in flight at a time.
const ipSlots = 4

// turn waits for a slot of the address and the account's turn
// (regulation.Turn); ok is false when they did not come in time (or Redis
// failed), and the attempt is then refused as limited. Without limits
// there is nothing to protect and every attempt goes at once.
func (l *Login) turn(ctx context.Context, ip, login string) (release func(), ok bool) {
	if l.lim == nil {
		return func() {}, true
	}
	release, err := l.lim.Turn(ctx,
		regulation.Hold{Key: "login:ip:" + regulation.IPKey(ip), Slots: ipSlots},
		regulation.Hold{Key: "login:account:" + strings.ToUpper(login), Slots: 1})
	if err != nil {
		if !errors.Is(err, regulation.ErrLimited) {
			l.log.ErrorContext(ctx, "sign-in turn", "err", err)
		}
		return nil, false
	}
	return release, true
}
